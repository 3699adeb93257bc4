-- grain: one row per (flag rank, week): each flag's weekly series, the rate it is about
-- (drop-off, exit or goal rate; the goal rate for loops and undesigned moves) and the
-- journeys behind it, for its touchpoint (or stage) and its segment, so a report can draw it.
-- Inputs: flags, touchpoint_history.
with
flags_ as (
    select
        rank,
        kind,
        subject,
        segment,
        segment_value,
        case when kind in ('regression', 'improvement') and touchpoint is null
            then 'stage' else 'touchpoint' end as level,
        coalesce(touchpoint, replace(subject, 'stage ', '')) as node,
        case when metric in ('drop_off_rate', 'exit_rate', 'goal_rate')
            then metric else 'goal_rate' end as metric
    from flags
),

weeks as (
    select * from touchpoint_history where grain = 'week'
),

final as (
    select
        f.rank,
        f.kind,
        f.subject,
        w.period_start as week_start,
        f.metric,
        w.journeys,
        case
            when w.journeys = 0 then null
            when f.metric = 'drop_off_rate' then w.drop_offs / w.journeys
            when f.metric = 'exit_rate' then w.exits / w.journeys
            else w.goal_journeys / w.journeys
        end as rate
    from flags_ as f
    inner join weeks as w
        on w.segment = f.segment and w.segment_value = f.segment_value
        and w.level = f.level and w.node = f.node
)

select * from final
order by rank, week_start
