"""Personal data in the published marts: which columns hold it, and erasure of a person."""
