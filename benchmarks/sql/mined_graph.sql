-- grain: one row: the journey graph as the mining tables hold it (transitions, variants), in
-- the terms pm4py and the floor give it: moves between touchpoints (without the __start__
-- and __end__ nodes), journeys starting and ending, variants. benchmarks/bench.py checks
-- that the three agree, so that it compares like with like.
with
transitions_ as (
    select from_touchpoint, to_touchpoint, occurrences from transitions
),

graph as (
    select
        count(*) filter (
            where from_touchpoint <> '__start__' and to_touchpoint <> '__end__'
        ) as edges,
        coalesce(sum(occurrences) filter (
            where from_touchpoint <> '__start__' and to_touchpoint <> '__end__'
        ), 0) as moves,
        coalesce(sum(occurrences) filter (where from_touchpoint = '__start__'), 0) as starts,
        coalesce(sum(occurrences) filter (where to_touchpoint = '__end__'), 0) as ends
    from transitions_
),

final as (
    select
        edges,
        cast(moves as bigint) as moves,
        cast(starts as bigint) as starts,
        cast(ends as bigint) as ends,
        (select count(*) from variants) as variants
    from graph
)

select * from final
