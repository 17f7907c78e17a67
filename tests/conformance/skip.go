package conformance

import (
	"errors"
	"github.com/sluicedb/sluice/tests/sqltest"
	"regexp"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// Skip reasons. A case is skipped only when the runner itself cannot
// express it; an engine that rejects a feature fails the case, except for
// the RQTT cases of restGaps below.
const (
	SkipSchemaRegistry = "needs schema registry"
	SkipProtobufNoSR   = "unsupported: PROTOBUF_NOSR records (the runner has no protobuf serde)"
	SkipOldVersion     = "unsupported: case limited to older ksqlDB versions (versions.max)"
	SkipQueryProto     = "unsupported: protobuf query responses (queryProto)"
	// SkipInputPartition: the runner writes every input to partition 0.
	SkipInputPartition = "unsupported: expects the partition ksqlDB's key hash picks for an input (the runner writes inputs to partition 0)"
	// SkipDriverPartitions: ksqlDB's test driver creates the topics named
	// in outputs before the statements run, with its default partition
	// count; here the C*AS creates its sink, with its source's count.
	SkipDriverPartitions = "unsupported: expects the partition count ksqlDB's test driver gives the output topics it creates before the statements run"
)

// namedSkips are single cases the runner cannot express, by full name.
var namedSkips = map[string]string{
	"push-queries - join with ROWPARTITION and ROWOFFSET": SkipInputPartition,
	"fk-join - Should allow partition count mismatch":     SkipDriverPartitions,
}

// Known engine gaps: the cases run and fail, and their failures are
// grouped under the gap's name rather than their first symptom.
const (
	GapWindowedJoin = "known gap: joins of windowed sources (WINDOW_TYPE) do not run: their windowed keys and WINDOWSTART/WINDOWEND columns are not read"
	// GapTestFunctions: ksqlDB's QTT runs with the UDFs, UDAFs and UDTFs of
	// its test jar loaded; they are not ksqlDB functions.
	GapTestFunctions = "known gap: functions of ksqlDB's test jar (BAD_UDF, TEST_UDF, WHENCONDITION, TEST_UDAF, MULTI_ARG, VAR_ARG, MID_VAR_ARG, GENERIC_VAR_ARG, OBJ_COL_ARG, TEST_UDTF, THROWING_UDTF) are not built in"
	// GapRewrittenStatement: ksqlDB's message ends with the statement as
	// its AST sanitizer rewrote it (columns qualified with their source,
	// generated aliases, one select item a line); Sluice's message stops
	// before it.
	GapRewrittenStatement = "known gap: key format errors do not end with ksqlDB's rewritten statement text"
)

// knownGaps name the engine gap that makes cases fail, by the start of
// their names: a whole case name, or a file's name (a QTT file that exists
// to test one of ksqlDB's test-jar functions: its case names start with it).
var knownGaps = []struct{ prefix, gap string }{
	{"joins - matching session-windowed", GapWindowedJoin},
	{"group-by - multiple expressions - KAFKA key format", GapRewrittenStatement},
	{"group-by - multiple expressions - KAFKA to non-supported decimal key format", GapRewrittenStatement},
	{"group-by - JSON format to KAFKA key format with unsupported multiple column", GapRewrittenStatement},
	{"group-by - should exclude any stream row whose single GROUP BY expression throws", GapTestFunctions},
	{"group-by - should exclude any table row whose single GROUP BY expression throws", GapTestFunctions},
	{"partition-by - should handle PARTITION BY that throws", GapTestFunctions},
	{"case-expression - should execute branches lazily", GapTestFunctions},
	{"udf - var args", GapTestFunctions},
	{"udf - struct args", GapTestFunctions},
	{"struct-udfs - Extract value from struct", GapTestFunctions},
	{"struct-udfs - Output struct", GapTestFunctions},
	{"table-functions - should handle UDTFs that throw", GapTestFunctions},
	{"table-functions - test_udtf - ", GapTestFunctions},
	{"generic-variadic-udaf - ", GapTestFunctions},
	{"middle-variadic-udaf - ", GapTestFunctions},
	{"multi-arg-udaf - ", GapTestFunctions},
	{"obj-var-col-arg-udaf - ", GapTestFunctions},
	{"test-custom-udaf - ", GapTestFunctions},
	{"variadic-udaf - ", GapTestFunctions},
}

// KnownGap names the engine gap a case is known to fail on, or "".
func KnownGap(name string) string {
	for _, g := range knownGaps {
		if strings.HasPrefix(name, g.prefix) {
			return g.gap
		}
	}
	return ""
}

// srFormats need a schema registry: ksqlDB infers or registers their schemas.
var srFormats = map[string]bool{"AVRO": true, "PROTOBUF": true, "JSON_SR": true}

var (
	formatProp   = regexp.MustCompile(`(?i)FORMAT\s*=\s*'([A-Z_]+)'`)
	schemaIDProp = regexp.MustCompile(`(?i)_SCHEMA_ID\s*=`)
	// explicitValue/explicitKey tell whether a CREATE names its value/key
	// format, in which case a default-format property does not apply to it.
	explicitValue = regexp.MustCompile(`(?i)(^|[^A-Z_])(VALUE_)?FORMAT\s*=`)
	explicitKey   = regexp.MustCompile(`(?i)(^|[^A-Z_])(KEY_)?FORMAT\s*=`)
	plainCreate   = regexp.MustCompile(`(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?(SOURCE\s+)?(STREAM|TABLE)\b`)
	asSelect      = regexp.MustCompile(`(?is)\bAS\s+SELECT\b`)
)

// SkipReason returns why the runner cannot run c, or "".
func SkipReason(c *Case) string {
	if why := namedSkips[c.Name]; why != "" {
		return why
	}
	if c.MaxVersion != "" {
		return SkipOldVersion
	}
	usesNoSR := false
	check := func(f string) bool {
		f = strings.ToUpper(f)
		if f == "PROTOBUF_NOSR" {
			usesNoSR = true
		}
		return srFormats[f]
	}
	for _, s := range c.Statements {
		for _, m := range formatProp.FindAllStringSubmatch(s, -1) {
			if check(m[1]) {
				return SkipSchemaRegistry
			}
		}
		if schemaIDProp.MatchString(s) {
			return SkipSchemaRegistry
		}
	}
	for _, t := range c.Topics {
		if t.HasSchema || check(t.KeyFormat) || check(t.ValueFormat) {
			return SkipSchemaRegistry
		}
	}
	if c.Post != nil {
		for _, s := range c.Post.Sources {
			if check(s.ValueFormat) || (s.KeyFormat != nil && check(s.KeyFormat.Format)) {
				return SkipSchemaRegistry
			}
		}
		for _, t := range c.Post.Topics {
			if check(t.KeyFormat) || check(t.ValueFormat) {
				return SkipSchemaRegistry
			}
		}
	}
	if usesDefault(c, "ksql.persistence.default.format.value", explicitValue) ||
		usesDefault(c, "ksql.persistence.default.format.key", explicitKey) {
		return SkipSchemaRegistry
	}
	if usesNoSR && (len(c.Inputs) > 0 || len(c.Outputs) > 0) {
		return SkipProtobufNoSR
	}
	if c.REST && c.ProtoQuery {
		return SkipQueryProto
	}
	for _, r := range c.Responses {
		if r.Kind == "queryProto" {
			return SkipQueryProto
		}
	}
	return ""
}

// restGaps name why RQTT cases fail that need no schema registry: features
// Sluice lacks or ksqlDB quirks it does not copy. The cases still run; one
// that passes counts as passed (and joins passing.txt), one that fails is
// reported as skipped with its gap. Each pattern matches full case names.
var restGaps = []struct {
	cases  *regexp.Regexp
	reason string
}{
	{regexp.MustCompile(`^push-queries - windowed join - `), GapWindowedJoin},
	{regexp.MustCompile(`^push-queries - (non-)?windowed table with tombstones`),
		"known gap: push queries over tables emit no tombstone rows"},
	{regexp.MustCompile(`^push-queries - (multiple )?aggregates? without GROUP BY`),
		"known gap: aggregates without GROUP BY"},
	{regexp.MustCompile(`^push-queries - Should not allow foreign key join on windowed tables$`),
		"known gap: foreign-key joins of windowed tables are not rejected"},
	{regexp.MustCompile(`^push-queries - join with ROWPARTITION and ROWOFFSET$`),
		"unsupported: ROWPARTITION depends on ksqlDB's test topics' partition count (the runner creates one)"},
	{regexp.MustCompile(`^scalable-push-queries - non-windowed stream with nulls$`),
		"known gap: ksqlDB's scalable push queries skip records with a null key, Sluice's do not"},
	{regexp.MustCompile(`^pull-queries-against-materialized-aggregates - (fail on unsupported query feature|(non-windowed|windowed) IN lookup on wrong type|IN: fail on column reference key)`),
		"known gap: pull queries accept WHERE clauses ksqlDB rejects (key bounds, non-key disjuncts, key types)"},
	{regexp.MustCompile(`^pull-queries-with-range-scan - .* (must fail|disable|must fall back to table scan)`),
		"known gap: ksql.query.pull.table.scan.enabled=false is not enforced"},
	{regexp.MustCompile(`^(pull-queries-against-materialized-aggregates - (non-)?windowed lookup on wrong type|pull-queries-against-streams - error on ORDER BY|pull-queries-with-limit-clause - error on non-integer limit|pull-queries-with-predicates - (like|between) operator must fail)`),
		"known gap: the error text differs from ksqlDB's"},
	{regexp.MustCompile(`^pull-queries-with-headers - `),
		"known gap: HEADERS and HEADER('k') columns in pull queries (values and schema order)"},
	{regexp.MustCompile(`^pull-queries-with-limit-clause - (on source table - repeated unique keys|windowed - single column from multi-column key)`),
		"known gap: pull queries with LIMIT over source tables with repeated keys and multi-column windowed keys"},
	{regexp.MustCompile(`^pull-queries-with-struct-star - `),
		"known gap: STRUCT_COL->* projections"},
	{regexp.MustCompile(`^insert-values - should fail on mismatch between key and key field values`),
		"known gap: the legacy KEY property (key and key field must match) on INSERT"},
}

// knownGap returns the named gap that explains a failing RQTT case, or "".
func knownGap(c *Case) string {
	if !c.REST {
		return ""
	}
	for _, g := range restGaps {
		if g.cases.MatchString(c.Name) {
			return g.reason
		}
	}
	return ""
}

// usesDefault reports whether a schema-registry default format property
// applies to some plain CREATE statement that names no format of its own.
func usesDefault(c *Case, prop string, explicit *regexp.Regexp) bool {
	f := strings.ToUpper(c.Properties[prop])
	if !srFormats[f] {
		return false
	}
	for _, s := range c.Statements {
		if plainCreate.MatchString(s) && !asSelect.MatchString(s) && !explicit.MatchString(withClause(s)) {
			return true
		}
	}
	return false
}

// withClause is the text from the first WITH on, so that column names such
// as FORMAT in the column list are not taken for properties.
func withClause(s string) string {
	if i := strings.Index(strings.ToUpper(s), "WITH"); i >= 0 {
		return s[i:]
	}
	return ""
}

// categoryOf returns the error's category; ok is false for an error that
// is not an *ast.Error (it has none).
func categoryOf(err error) (ast.Category, bool) {
	var ae *ast.Error
	if errors.As(err, &ae) {
		return ae.Category, true
	}
	return 0, false
}

// matchError explains why an error (with category cat, known when hasCat)
// and message msg does not satisfy exp, or returns "".
func matchError(exp *ExpectedError, msg string, cat ast.Category, hasCat bool) string {
	if exp.Message != "" && !strings.Contains(msg, exp.Message) {
		return "expected error message containing " + quote(exp.Message) + ", got " + quote(msg)
	}
	cats, known := sqltest.Categories(exp.Type)
	if !known || !hasCat || exp.Type == "" {
		return ""
	}
	for _, c := range cats {
		if c == cat {
			return ""
		}
	}
	return "error " + quote(msg) + " has category " + sqltest.CategoryName(cat) + ", which does not match " + sqltest.ShortClass(exp.Type)
}
