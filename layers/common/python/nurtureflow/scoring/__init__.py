"""Lead scoring: rules as data, a pure scorer (points, caps, decay, stages) and the service applying it."""
