"""Link: the offline base-registry data (update, info) and the report of what was linked."""
