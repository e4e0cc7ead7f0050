package spec

// SeedsTable is the table strata keeps in a tenant database once a seed has
// run there: one row per seed file, written in the seed's own transaction,
// so a seed that committed is known to have run even when strata died
// before the landlord heard of it. The planner, fingerprints, snapshots and
// drift detection leave it out: it is strata's, not the schema's.
const SeedsTable = "_strata_seeds"
