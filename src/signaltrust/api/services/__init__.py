"""The API's services: signals, jobs and nodes, usable without the web layer."""
