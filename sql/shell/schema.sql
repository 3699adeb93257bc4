-- grain: one row per table or view in the open database, with the statement that creates it
-- `.schema [NAME]` in `journeymine sql`: $name is null for all, else `table` or `schema.table`.
with

objects as (
    select schema_name, table_name, sql
    from duckdb_tables()
    where database_name = current_database() and not temporary
    union all
    select schema_name, view_name as table_name, sql
    from duckdb_views()
    where database_name = current_database() and not temporary and not internal
),

final as (
    select schema_name, table_name, sql
    from objects
    where $name is null
        or lower($name) in (lower(table_name), lower(schema_name || '.' || table_name))
)

select sql from final
order by schema_name <> 'main', schema_name, table_name
