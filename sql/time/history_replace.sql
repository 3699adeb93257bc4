-- Rewrites the periods whose numbers changed (jm_period_changed) with this run's numbers
-- (jm_period_fresh); every other period of touchpoint_history stays as it was.
-- Inputs: jm_period_fresh, jm_period_changed.
delete from touchpoint_history
where exists (
    select 1
    from jm_period_changed as c
    where c.grain = touchpoint_history.grain and c.period_start = touchpoint_history.period_start
);

insert into touchpoint_history
select
    f.grain,
    f.period_start,
    f.segment,
    f.segment_value,
    f.level,
    f.node,
    f.journeys,
    f.drop_offs,
    f.exits,
    f.goal_journeys,
    f.continued,
    f.continued_goal_journeys,
    cast(current_timestamp as timestamp) as computed_at
from jm_period_fresh as f
inner join jm_period_changed as c on c.grain = f.grain and c.period_start = f.period_start;
