"""The return reasons a new shop starts with (data migration 0002); staff change them in the admin."""

# code, name
DEFAULT_REASONS = [
    ("size", "Wrong size or fit"),
    ("not-as-described", "Not as described"),
    ("damaged", "Arrived damaged"),
    ("defective", "Defective or stopped working"),
    ("wrong-item", "Wrong item sent"),
    ("changed-mind", "No longer needed"),
    ("late", "Arrived too late"),
    ("other", "Other"),
]

# Who may create and process returns: the order desk and managers; finance and the warehouse see them.
PROCESS = ["returns.process_return", "returns.view_return", "returns.view_returnrequest", "returns.view_returnreason"]
VIEW = ["returns.view_return", "returns.view_returnrequest"]
MANAGE_REASONS = ["returns.add_returnreason", "returns.change_returnreason"]
