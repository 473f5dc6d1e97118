"""Return services: requests (customer), returns (staff), their credit, quarantine (see each module)."""
