package fingerprint

// A query reads one kind of schema object for many schemas at once. The
// first selected column is always the schema name; schemaCols lists the
// other columns (by index into the selected row) that hold a schema name and
// are normalised: replaced by "" when they name the row's own schema, so a
// tenant schema and a dev schema with the same objects hash alike.
//
// Each row becomes one record of the schema's fingerprint. Records are
// sorted before hashing, so the order rows arrive in does not matter; any
// order that matters to Atlas (column order, index part order) is carried by
// a position column inside the record.
type query struct {
	kind       string // record prefix: keeps records of different kinds apart
	col        string // the schema-name column the filter applies to
	sql        string // selects the schema name first; %s is the filter on col
	schemaCols []int
	extraCol   int // index of COLUMNS.EXTRA, normalised by normalizeExtra; 0 for none
}

// queries cover every attribute MariaDB prints in SHOW CREATE TABLE and
// strata plans statements for, and nothing that changes without DDL:
// TABLES.AUTO_INCREMENT, TABLE_ROWS, DATA_LENGTH, the timestamps and index
// cardinality are left out on purpose. TABLES.CREATE_OPTIONS (ROW_FORMAT,
// KEY_BLOCK_SIZE, STATS_PERSISTENT and the other declared options) is in:
// Atlas plans nothing for it, but strata does (planner/options.go), and a
// difference there read as "in sync" before. STATISTICS.IGNORED (MariaDB
// 10.6+) is in for the same reason.
//
// Foreign keys are read from REFERENTIAL_CONSTRAINTS (rules, referenced
// table) and KEY_COLUMN_USAGE (columns, referenced columns) separately, not
// joined: the records of both hash into the same fingerprint, and a join of
// information_schema views is what makes MariaDB scan every database.
// The SCHEMATA query comes first: pass relies on it to know which schemas
// exist; the TABLES query second, where pass learns which tables are
// partitioned (createOptionsCol).
var queries = []query{
	{
		kind: "S",
		col:  "SCHEMA_NAME",
		sql: `SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME
FROM information_schema.SCHEMATA WHERE %s`,
	},
	{
		kind: "T",
		col:  "TABLE_SCHEMA",
		sql: `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, TABLE_COMMENT, CREATE_OPTIONS
FROM information_schema.TABLES WHERE %s`,
	},
	{
		kind: "C",
		col:  "TABLE_SCHEMA",
		sql: `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE,
  COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT, IS_GENERATED, GENERATION_EXPRESSION
FROM information_schema.COLUMNS WHERE %s`,
		extraCol: 7,
	},
	{
		kind: "I",
		col:  "TABLE_SCHEMA",
		sql: `SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART,
  INDEX_TYPE, INDEX_COMMENT, COLLATION, IGNORED
FROM information_schema.STATISTICS WHERE %s`,
	},
	{
		kind: "F",
		col:  "CONSTRAINT_SCHEMA",
		sql: `SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME,
  UPDATE_RULE, DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE %s`,
		schemaCols: []int{3},
	},
	{
		kind: "K",
		col:  "TABLE_SCHEMA",
		sql: `SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION, COLUMN_NAME,
  REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE WHERE %s AND REFERENCED_TABLE_NAME IS NOT NULL`,
		schemaCols: []int{5},
	},
	{
		kind: "X",
		col:  "CONSTRAINT_SCHEMA",
		sql: `SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS WHERE %s`,
	},
}

// createOptionsCol is TABLES.CREATE_OPTIONS in the TABLES query's row: it
// says "partitioned" for a partitioned table.
const createOptionsCol = 6

// partitionsQuery reads how a table is partitioned: method, expression,
// each partition's name, position, bounds and comment. It runs only for
// the tables the TABLES query found partitioned, named in the filter:
// information_schema.PARTITIONS opens every table it lists, and MariaDB
// skips the tables whose names the filter excludes before opening them.
// Row counts, sizes and timestamps are left out, as for TABLES.
var partitionsQuery = query{
	kind: "P",
	col:  "TABLE_SCHEMA",
	sql: `SELECT TABLE_SCHEMA, TABLE_NAME, PARTITION_NAME, SUBPARTITION_NAME, PARTITION_ORDINAL_POSITION,
  SUBPARTITION_ORDINAL_POSITION, PARTITION_METHOD, SUBPARTITION_METHOD, PARTITION_EXPRESSION,
  SUBPARTITION_EXPRESSION, PARTITION_DESCRIPTION, PARTITION_COMMENT
FROM information_schema.PARTITIONS WHERE %s`,
}
