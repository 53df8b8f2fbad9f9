"""initlab."""
