-- How many nodes changed label in the last round of connected components.
-- Inputs: jm_labels, jm_labels_next.
select count(*) as changed
from jm_labels_next as n
inner join jm_labels as l on l.node = n.node
where n.label <> l.label
