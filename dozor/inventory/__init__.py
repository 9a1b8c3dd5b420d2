"""The fleet inventory: models, where it is loaded from, and host patterns."""

from dozor.inventory.loader import (
    ENV_INVENTORY,
    InventoryError,
    default_inventory,
    dump_inventory,
    load_inventory,
    load_inventory_file,
    parse_dotenv,
    user_inventory_path,
)
from dozor.inventory.models import (
    LOCAL,
    Defaults,
    Host,
    HostSettings,
    Inventory,
    KnownHostsPolicy,
    Project,
    ResolvedHost,
    Thresholds,
    Timeouts,
)
from dozor.inventory.selector import UnknownHostError, host_names_for_completion, select_hosts

__all__ = [
    "ENV_INVENTORY",
    "LOCAL",
    "Defaults",
    "Host",
    "HostSettings",
    "Inventory",
    "InventoryError",
    "KnownHostsPolicy",
    "Project",
    "ResolvedHost",
    "Thresholds",
    "Timeouts",
    "UnknownHostError",
    "default_inventory",
    "dump_inventory",
    "host_names_for_completion",
    "load_inventory",
    "load_inventory_file",
    "parse_dotenv",
    "select_hosts",
    "user_inventory_path",
]
