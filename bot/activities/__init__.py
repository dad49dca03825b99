"""League activities: announce, sign up, remind, check in, export."""
