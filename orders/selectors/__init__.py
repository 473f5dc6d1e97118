"""Read queries of the orders app: `staff` for the admin, `customer` for the storefront."""
