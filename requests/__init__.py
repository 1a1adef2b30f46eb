"""What is needed: offices, staff membership, requests and offers."""
