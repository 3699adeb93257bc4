-- grain: one row per table or view in the open database (temporary ones excluded)
-- `.tables` in `journeymine sql`: schema `main` unqualified, other schemas qualified.
with

tables as (
    select schema_name, table_name, 'table' as kind, column_count, estimated_size
    from duckdb_tables()
    where database_name = current_database() and not temporary
),

views as (
    select schema_name, view_name as table_name, 'view' as kind, column_count,
        null::bigint as estimated_size
    from duckdb_views()
    where database_name = current_database() and not temporary and not internal
),

final as (
    select
        case when schema_name = 'main' then table_name
            else schema_name || '.' || table_name end as name,
        kind,
        column_count as columns,
        estimated_size as approx_rows
    from (select * from tables union all select * from views)
)

select * from final
order by name like '%.%', name
