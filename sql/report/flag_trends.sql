-- grain: one row per (flag rank, week): each flag's weekly series, for the findings' trends.
-- Inputs: flag_trends.
select rank, week_start, metric, journeys, rate
from flag_trends
order by rank, week_start
