"""``observes bills``: the monthly bills, from the warehouse's commits into a bucket."""
