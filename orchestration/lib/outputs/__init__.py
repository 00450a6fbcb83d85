"""Writers of the files people read. Every file is written to a temporary name and renamed."""
