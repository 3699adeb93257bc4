-- grain: one row per variant (distinct touchpoint sequence of a journey)
-- The DuckDB floor of variants (pm4py's get_variants), straight from journey_steps.
with
sequences as (
    select string_agg(touchpoint, ' > ' order by step) as sequence
    from journey_steps
    group by journey_id
),

final as (
    select sequence, count(*) as journeys
    from sequences
    group by sequence
)

select * from final
