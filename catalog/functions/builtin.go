package functions

import (
	"fmt"

	"github.com/sluicedb/sluice/sql/types"
)

// Categories, as ksqlDB's SHOW FUNCTIONS groups them.
const (
	catString   = "STRING"
	catMath     = "MATHEMATICAL"
	catDateTime = "DATE / TIME"
	catArray    = "ARRAY"
	catMap      = "MAP"
	catJSON     = "JSON"
	catNull     = "NULL"
	catRegex    = "REGULAR EXPRESSION"
	catURL      = "URL"
	catLambda   = "LAMBDA"
	catOther    = "OTHER"
	catAgg      = "AGGREGATE"
	catTable    = "TABLE"
)

// returnRules are return types that depend on argument types beyond what a
// pattern can say: mostly DECIMAL precision and scale.
var returnRules = map[string]func(args []*types.Type) *types.Type{
	"arg0": func(a []*types.Type) *types.Type { return a[0] },
	// ROUND(DECIMAL(p, s)) drops the fraction but may carry into a new digit.
	"roundDecimal": func(a []*types.Type) *types.Type {
		t := a[0]
		if t.Kind != types.DecimalKind {
			return t
		}
		p := t.Precision - t.Scale + 1
		if t.Scale == 0 {
			p = t.Precision
		}
		return types.DecimalType(p, 0)
	},
	"widestDecimal": func(a []*types.Type) *types.Type {
		return WidestDecimal(a...)
	},
	// TOPK(col, c1, ..., k) returns rows: the sort column and the others.
	"topkStruct": func(a []*types.Type) *types.Type {
		return types.ArrayOf(TopKRow(a[0], a[1:len(a)-1]))
	},
	"sumDecimal": func(a []*types.Type) *types.Type {
		t := a[0]
		if t.Kind != types.DecimalKind {
			return t
		}
		// ksqlDB keeps the argument's precision: a sum that outgrows it fails
		// with "Numeric field overflow" (qtt sum.json, "sum decimal with overflow").
		return types.DecimalType(t.Precision, t.Scale)
	},
}

// WidestDecimal is the smallest DECIMAL that holds every given numeric type
// (integer types count as DECIMAL(10, 0) and DECIMAL(19, 0)). NULL types are
// ignored.
func WidestDecimal(ts ...*types.Type) *types.Type {
	intDigits, scale := 0, 0
	for _, t := range ts {
		if t == nil || t.Kind == types.Unknown {
			continue
		}
		d := ToDecimal(t)
		intDigits = max(intDigits, d.Precision-d.Scale)
		scale = max(scale, d.Scale)
	}
	if intDigits+scale == 0 {
		return types.DecimalType(1, 0)
	}
	return types.DecimalType(intDigits+scale, scale)
}

func def(kind Kind, cat, name, desc string, sigs ...string) {
	f := &Func{Name: name, Kind: kind, Category: cat, Description: desc}
	for _, s := range sigs {
		sig, err := parseSig(s)
		if err != nil {
			// The table below is static; a bad entry is a programming error
			// caught by any test run.
			panic(fmt.Sprintf("functions: %s: %v", name, err))
		}
		f.Sigs = append(f.Sigs, sig)
	}
	registry[name] = f
}

func scalar(cat, name, desc string, sigs ...string) { def(Scalar, cat, name, desc, sigs...) }

// numeric1 is the usual INT/BIGINT/DOUBLE/DECIMAL family of one-argument overloads.
var numeric1 = []string{"(INT) -> INT", "(BIGINT) -> BIGINT", "(DOUBLE) -> DOUBLE", "(DECIMAL) -> @arg0"}

func comparable(variadic bool) []string {
	var out []string
	for _, t := range []string{"INT", "BIGINT", "DOUBLE", "STRING", "BYTES", "DATE", "TIME", "TIMESTAMP"} {
		if variadic {
			out = append(out, "("+t+", ..."+t+") -> "+t)
		} else {
			out = append(out, "("+t+") -> "+t)
		}
	}
	if variadic {
		return append(out, "(DECIMAL, ...DECIMAL) -> @widestDecimal")
	}
	return append(out, "(DECIMAL) -> @arg0")
}

func init() {
	// Strings.
	scalar(catString, "UCASE", "Converts a string to upper case.", "(STRING) -> STRING")
	scalar(catString, "LCASE", "Converts a string to lower case.", "(STRING) -> STRING")
	scalar(catString, "TRIM", "Removes leading and trailing whitespace.", "(STRING) -> STRING")
	scalar(catString, "LTRIM", "Removes leading whitespace.", "(STRING) -> STRING")
	scalar(catString, "RTRIM", "Removes trailing whitespace.", "(STRING) -> STRING")
	scalar(catString, "LEN", "Returns the length of a string in characters, or of bytes.", "(STRING) -> INT", "(BYTES) -> INT")
	scalar(catString, "CONCAT", "Concatenates strings or bytes; NULL arguments are skipped.", "(...STRING) -> STRING", "(...BYTES) -> BYTES")
	scalar(catString, "CONCAT_WS", "Concatenates with a separator; NULL arguments are skipped.", "(STRING, ...STRING) -> STRING", "(BYTES, ...BYTES) -> BYTES")
	scalar(catString, "SUBSTRING", "Returns the substring from a 1-based position (negative counts from the end), optionally of a given length.",
		"(STRING, INT) -> STRING", "(STRING, INT, INT) -> STRING", "(BYTES, INT) -> BYTES", "(BYTES, INT, INT) -> BYTES")
	scalar(catString, "REPLACE", "Replaces every occurrence of a substring.", "(STRING, STRING, STRING) -> STRING")
	scalar(catString, "INSTR", "Returns the 1-based position of a substring, or 0.",
		"(STRING, STRING) -> INT", "(STRING, STRING, INT) -> INT", "(STRING, STRING, INT, INT) -> INT")
	scalar(catString, "LPAD", "Pads on the left to a length.", "(STRING, INT, STRING) -> STRING", "(BYTES, INT, BYTES) -> BYTES")
	scalar(catString, "RPAD", "Pads on the right to a length.", "(STRING, INT, STRING) -> STRING", "(BYTES, INT, BYTES) -> BYTES")
	scalar(catString, "SPLIT", "Splits a string or bytes by a delimiter.", "(STRING, STRING) -> ARRAY<STRING>", "(BYTES, BYTES) -> ARRAY<BYTES>")
	scalar(catString, "SPLIT_TO_MAP", "Splits a string into key-value pairs.", "(STRING, STRING, STRING) -> MAP<STRING, STRING>")
	scalar(catString, "INITCAP", "Capitalizes the first letter of each word.", "(STRING) -> STRING")
	scalar(catString, "MASK", "Masks letters and digits.", "(STRING) -> STRING", "(STRING, STRING, STRING, STRING, STRING) -> STRING")
	for _, n := range []string{"MASK_LEFT", "MASK_RIGHT", "MASK_KEEP_LEFT", "MASK_KEEP_RIGHT"} {
		scalar(catString, n, "Masks part of a string.", "(STRING, INT) -> STRING", "(STRING, INT, STRING, STRING, STRING, STRING) -> STRING")
	}
	scalar(catString, "CHR", "Returns the character for a code point.", "(INT) -> STRING", "(STRING) -> STRING")
	scalar(catString, "ENCODE", "Converts a string between encodings (hex, utf8, ascii, base64).", "(STRING, STRING, STRING) -> STRING")
	scalar(catString, "TO_BYTES", "Converts a string to bytes using an encoding.", "(STRING, STRING) -> BYTES")
	scalar(catString, "FROM_BYTES", "Converts bytes to a string using an encoding.", "(BYTES, STRING) -> STRING")
	scalar(catString, "MD5", "Returns the hex MD5 hash of a string.", "(STRING) -> STRING")
	scalar(catString, "UUID", "Returns a random UUID.", "() -> STRING")
	scalar(catString, "ELT", "Returns the N-th string argument.", "(INT, ...STRING) -> STRING")
	scalar(catString, "FIELD", "Returns the 1-based position of a string among the arguments, or 0.", "(STRING, ...STRING) -> INT")

	// Regular expressions.
	scalar(catRegex, "REGEXP_EXTRACT", "Returns the first match of a pattern, or of a capturing group.", "(STRING, STRING) -> STRING", "(STRING, STRING, INT) -> STRING")
	scalar(catRegex, "REGEXP_EXTRACT_ALL", "Returns all matches of a pattern, or of a capturing group.", "(STRING, STRING) -> ARRAY<STRING>", "(STRING, STRING, INT) -> ARRAY<STRING>")
	scalar(catRegex, "REGEXP_REPLACE", "Replaces every match of a pattern.", "(STRING, STRING, STRING) -> STRING")
	scalar(catRegex, "REGEXP_SPLIT_TO_ARRAY", "Splits a string around matches of a pattern.", "(STRING, STRING) -> ARRAY<STRING>")

	// URLs.
	for _, n := range []string{"URL_EXTRACT_FRAGMENT", "URL_EXTRACT_HOST", "URL_EXTRACT_PATH", "URL_EXTRACT_PROTOCOL", "URL_EXTRACT_QUERY"} {
		scalar(catURL, n, "Extracts a component of a URL.", "(STRING) -> STRING")
	}
	scalar(catURL, "URL_EXTRACT_PORT", "Extracts the port of a URL.", "(STRING) -> INT")
	scalar(catURL, "URL_EXTRACT_PARAMETER", "Extracts the first value of a query parameter.", "(STRING, STRING) -> STRING")
	scalar(catURL, "URL_ENCODE_PARAM", "Encodes a query parameter value.", "(STRING) -> STRING")
	scalar(catURL, "URL_DECODE_PARAM", "Decodes a query parameter value.", "(STRING) -> STRING")

	// Mathematics.
	scalar(catMath, "ABS", "Returns the absolute value.", numeric1...)
	scalar(catMath, "CEIL", "Rounds up to an integral value.", numeric1...)
	scalar(catMath, "FLOOR", "Rounds down to an integral value.", numeric1...)
	scalar(catMath, "ROUND", "Rounds half up, to an integer or to a number of decimal places.",
		"(INT) -> INT", "(BIGINT) -> BIGINT", "(DOUBLE) -> BIGINT", "(DECIMAL) -> @roundDecimal",
		"(INT, INT) -> INT", "(BIGINT, INT) -> BIGINT", "(DOUBLE, INT) -> DOUBLE", "(DECIMAL, INT) -> @arg0")
	scalar(catMath, "SIGN", "Returns -1, 0 or 1 by the sign of the value.", "(INT) -> INT", "(BIGINT) -> INT", "(DOUBLE) -> INT")
	for _, n := range []string{"SQRT", "CBRT", "EXP", "LN", "ACOS", "ASIN", "ATAN", "COS", "COSH", "COT", "SIN", "SINH", "TAN", "TANH", "DEGREES", "RADIANS"} {
		scalar(catMath, n, "Applies "+n+" to a number.", "(DOUBLE) -> DOUBLE")
	}
	scalar(catMath, "LOG", "Returns the natural logarithm, or the logarithm in a base.", "(DOUBLE) -> DOUBLE", "(DOUBLE, DOUBLE) -> DOUBLE")
	scalar(catMath, "POWER", "Raises a number to a power.", "(DOUBLE, DOUBLE) -> DOUBLE")
	scalar(catMath, "ATAN2", "Returns the angle of a point.", "(DOUBLE, DOUBLE) -> DOUBLE")
	scalar(catMath, "PI", "Returns pi.", "() -> DOUBLE")
	scalar(catMath, "RANDOM", "Returns a random DOUBLE in [0, 1).", "() -> DOUBLE")
	scalar(catMath, "TRUNC", "Truncates toward zero, optionally to a number of decimal places.", "(DOUBLE) -> BIGINT", "(DOUBLE, INT) -> DOUBLE", "(DECIMAL) -> @roundDecimal", "(DECIMAL, INT) -> @arg0", "(INT) -> INT", "(BIGINT) -> BIGINT")
	scalar(catMath, "GREATEST", "Returns the largest non-NULL argument.", comparable(true)...)
	scalar(catMath, "LEAST", "Returns the smallest non-NULL argument.", comparable(true)...)
	scalar(catMath, "GEO_DISTANCE", "Returns the great-circle distance between two lat/lon points (KM or MILES).",
		"(DOUBLE, DOUBLE, DOUBLE, DOUBLE) -> DOUBLE", "(DOUBLE, DOUBLE, DOUBLE, DOUBLE, STRING) -> DOUBLE")

	// NULL handling.
	scalar(catNull, "COALESCE", "Returns the first non-NULL argument.", "(T, ...T) -> T")
	scalar(catNull, "IFNULL", "Returns the second argument when the first is NULL.", "(T, T) -> T")
	scalar(catNull, "NULLIF", "Returns NULL when both arguments are equal, else the first.", "(T, T) -> T")

	// Arrays and maps.
	scalar(catArray, "ARRAY_LENGTH", "Returns the number of elements of an array.", "(ARRAY<T>) -> INT")
	scalar(catArray, "ARRAY_CONTAINS", "Reports whether an array contains a value.", "(ARRAY<T>, T) -> BOOLEAN")
	scalar(catArray, "ARRAY_DISTINCT", "Removes duplicate elements.", "(ARRAY<T>) -> ARRAY<T>")
	scalar(catArray, "ARRAY_EXCEPT", "Elements of the first array not in the second.", "(ARRAY<T>, ARRAY<T>) -> ARRAY<T>")
	scalar(catArray, "ARRAY_INTERSECT", "Distinct elements in both arrays.", "(ARRAY<T>, ARRAY<T>) -> ARRAY<T>")
	scalar(catArray, "ARRAY_UNION", "Distinct elements in either array.", "(ARRAY<T>, ARRAY<T>) -> ARRAY<T>")
	scalar(catArray, "ARRAY_CONCAT", "Concatenates two arrays.", "(ARRAY<T>, ARRAY<T>) -> ARRAY<T>")
	scalar(catArray, "ARRAY_JOIN", "Joins the elements into a string.", "(ARRAY<T>) -> STRING", "(ARRAY<T>, STRING) -> STRING")
	scalar(catArray, "ARRAY_MAX", "Returns the largest element.", "(ARRAY<T>) -> T")
	scalar(catArray, "ARRAY_MIN", "Returns the smallest element.", "(ARRAY<T>) -> T")
	scalar(catArray, "ARRAY_REMOVE", "Removes every element equal to a value.", "(ARRAY<T>, T) -> ARRAY<T>")
	// GENERATE_SERIES is a scalar function returning an array in ksqlDB
	// (qtt array.json), not a table function: EXPLODE(GENERATE_SERIES(...))
	// gives one row per value.
	scalar(catArray, "GENERATE_SERIES", "Returns the integers from start to end, by step (default 1 or -1).",
		"(INT, INT) -> ARRAY<INT>", "(INT, INT, INT) -> ARRAY<INT>", "(BIGINT, BIGINT) -> ARRAY<BIGINT>", "(BIGINT, BIGINT, INT) -> ARRAY<BIGINT>")
	scalar(catArray, "ARRAY_SORT", "Sorts an array, ASC or DESC.", "(ARRAY<T>) -> ARRAY<T>", "(ARRAY<T>, STRING) -> ARRAY<T>")
	scalar(catMap, "MAP_KEYS", "Returns the keys of a map.", "(MAP<K, V>) -> ARRAY<K>")
	scalar(catMap, "MAP_VALUES", "Returns the values of a map.", "(MAP<K, V>) -> ARRAY<V>")
	scalar(catMap, "MAP_UNION", "Merges two maps; the second wins.", "(MAP<K, V>, MAP<K, V>) -> MAP<K, V>")
	scalar(catMap, "AS_MAP", "Builds a map from an array of keys and an array of values.", "(ARRAY<STRING>, ARRAY<V>) -> MAP<STRING, V>")

	// Lambdas.
	scalar(catLambda, "TRANSFORM", "Applies a lambda to each element of an array, or to each key and value of a map.",
		"(ARRAY<T>, FUNC(T) => U) -> ARRAY<U>", "(MAP<K, V>, FUNC(K, V) => A, FUNC(K, V) => B) -> MAP<A, B>")
	scalar(catLambda, "FILTER", "Keeps the elements (or entries) for which a lambda is true.",
		"(ARRAY<T>, FUNC(T) => BOOLEAN) -> ARRAY<T>", "(MAP<K, V>, FUNC(K, V) => BOOLEAN) -> MAP<K, V>")
	scalar(catLambda, "REDUCE", "Folds an array or map into a state with a lambda.",
		"(ARRAY<T>, S, FUNC(S, T) => S) -> S", "(MAP<K, V>, S, FUNC(S, K, V) => S) -> S")

	// Other.
	scalar(catOther, "AS_VALUE", "Copies a key column into the value.", "(T) -> T")

	// Dates and times.
	scalar(catDateTime, "UNIX_TIMESTAMP", "Milliseconds since the epoch, now or of a TIMESTAMP.", "() -> BIGINT", "(TIMESTAMP) -> BIGINT")
	scalar(catDateTime, "UNIX_DATE", "Days since the epoch, today or of a DATE.", "() -> INT", "(DATE) -> INT")
	scalar(catDateTime, "FROM_UNIXTIME", "Converts epoch milliseconds to a TIMESTAMP.", "(BIGINT) -> TIMESTAMP")
	scalar(catDateTime, "FROM_DAYS", "Converts days since the epoch to a DATE.", "(INT) -> DATE")
	scalar(catDateTime, "TIMESTAMPTOSTRING", "Formats epoch milliseconds with a Java date pattern.", "(BIGINT, STRING) -> STRING", "(BIGINT, STRING, STRING) -> STRING")
	scalar(catDateTime, "STRINGTOTIMESTAMP", "Parses a string with a Java date pattern into epoch milliseconds.", "(STRING, STRING) -> BIGINT", "(STRING, STRING, STRING) -> BIGINT")
	scalar(catDateTime, "FORMAT_TIMESTAMP", "Formats a TIMESTAMP with a Java date pattern.", "(TIMESTAMP, STRING) -> STRING", "(TIMESTAMP, STRING, STRING) -> STRING")
	scalar(catDateTime, "PARSE_TIMESTAMP", "Parses a string with a Java date pattern into a TIMESTAMP.", "(STRING, STRING) -> TIMESTAMP", "(STRING, STRING, STRING) -> TIMESTAMP")
	scalar(catDateTime, "DATETOSTRING", "Formats days since the epoch with a Java date pattern.", "(INT, STRING) -> STRING")
	scalar(catDateTime, "STRINGTODATE", "Parses a string with a Java date pattern into days since the epoch.", "(STRING, STRING) -> INT")
	scalar(catDateTime, "FORMAT_DATE", "Formats a DATE with a Java date pattern.", "(DATE, STRING) -> STRING")
	scalar(catDateTime, "PARSE_DATE", "Parses a string with a Java date pattern into a DATE.", "(STRING, STRING) -> DATE")
	scalar(catDateTime, "FORMAT_TIME", "Formats a TIME with a Java time pattern.", "(TIME, STRING) -> STRING")
	scalar(catDateTime, "PARSE_TIME", "Parses a string with a Java time pattern into a TIME.", "(STRING, STRING) -> TIME")
	scalar(catDateTime, "CONVERT_TZ", "Converts a TIMESTAMP between time zones.", "(TIMESTAMP, STRING, STRING) -> TIMESTAMP")
	scalar(catDateTime, "TIMESTAMPADD", "Adds an interval to a TIMESTAMP.", "(STRING, BIGINT, TIMESTAMP) -> TIMESTAMP")
	scalar(catDateTime, "TIMESTAMPSUB", "Subtracts an interval from a TIMESTAMP.", "(STRING, BIGINT, TIMESTAMP) -> TIMESTAMP")
	scalar(catDateTime, "DATEADD", "Adds an interval to a DATE.", "(STRING, INT, DATE) -> DATE")
	scalar(catDateTime, "DATESUB", "Subtracts an interval from a DATE.", "(STRING, INT, DATE) -> DATE")
	scalar(catDateTime, "TIMEADD", "Adds an interval to a TIME.", "(STRING, INT, TIME) -> TIME")
	scalar(catDateTime, "TIMESUB", "Subtracts an interval from a TIME.", "(STRING, INT, TIME) -> TIME")

	// JSON.
	scalar(catJSON, "EXTRACTJSONFIELD", "Extracts a value from a JSON string by a JSONPath such as $.a.b[0].", "(STRING, STRING) -> STRING")
	scalar(catJSON, "IS_JSON_STRING", "Reports whether a string is valid JSON.", "(STRING) -> BOOLEAN")
	scalar(catJSON, "JSON_ARRAY_LENGTH", "Returns the length of a JSON array.", "(STRING) -> INT")
	scalar(catJSON, "JSON_ARRAY_CONTAINS", "Reports whether a JSON array contains a value.", "(STRING, ANY) -> BOOLEAN")
	scalar(catJSON, "JSON_CONCAT", "Merges JSON objects or concatenates JSON arrays.", "(...STRING) -> STRING")
	scalar(catJSON, "JSON_KEYS", "Returns the keys of a JSON object.", "(STRING) -> ARRAY<STRING>")
	scalar(catJSON, "JSON_ITEMS", "Returns the elements of a JSON array as strings.", "(STRING) -> ARRAY<STRING>")
	scalar(catJSON, "JSON_RECORDS", "Returns the fields of a JSON object as strings.", "(STRING) -> MAP<STRING, STRING>")
	scalar(catJSON, "TO_JSON_STRING", "Serializes any value to a JSON string.", "(ANY) -> STRING")

	// Aggregates: signatures only; exec implements them separately.
	agg := func(name, desc string, sigs ...string) { def(Aggregate, catAgg, name, desc, sigs...) }
	agg("COUNT", "Counts rows, or non-NULL values.", "() -> BIGINT", "(ANY) -> BIGINT")
	agg("COUNT_DISTINCT", "Counts distinct non-NULL values (approximately in ksqlDB).", "(ANY) -> BIGINT")
	agg("SUM", "Sums values.", "(INT) -> INT", "(BIGINT) -> BIGINT", "(DOUBLE) -> DOUBLE", "(DECIMAL) -> @sumDecimal")
	agg("AVG", "Averages values.", "(INT) -> DOUBLE", "(BIGINT) -> DOUBLE", "(DOUBLE) -> DOUBLE", "(DECIMAL) -> DOUBLE")
	agg("MIN", "Returns the smallest value.", comparable(false)...)
	agg("MAX", "Returns the largest value.", comparable(false)...)
	agg("COLLECT_LIST", "Collects values into an array.", "(T) -> ARRAY<T>")
	agg("COLLECT_SET", "Collects distinct values into an array.", "(T) -> ARRAY<T>")
	agg("LATEST_BY_OFFSET", "Returns the latest value(s) by offset.", "(T) -> T", "(T, BOOLEAN) -> T", "(T, INT) -> ARRAY<T>", "(T, INT, BOOLEAN) -> ARRAY<T>")
	agg("EARLIEST_BY_OFFSET", "Returns the earliest value(s) by offset.", "(T) -> T", "(T, BOOLEAN) -> T", "(T, INT) -> ARRAY<T>", "(T, INT, BOOLEAN) -> ARRAY<T>")
	agg("TOPK", "Returns the K largest values, or the rows of the K largest values of the first column as structs.",
		"(T, INT) -> ARRAY<T>", "(T, ANY, INT) -> @topkStruct", "(T, ANY, ANY, INT) -> @topkStruct",
		"(T, ANY, ANY, ANY, INT) -> @topkStruct", "(T, ANY, ANY, ANY, ANY, INT) -> @topkStruct")
	agg("TOPKDISTINCT", "Returns the K largest distinct values.", "(T, INT) -> ARRAY<T>")
	agg("HISTOGRAM", "Counts occurrences of each string.", "(STRING) -> MAP<STRING, BIGINT>")
	agg("STDDEV_SAMP", "Sample standard deviation.", "(INT) -> DOUBLE", "(BIGINT) -> DOUBLE", "(DOUBLE) -> DOUBLE")
	agg("STDDEV_SAMPLE", "Sample standard deviation.", "(INT) -> DOUBLE", "(BIGINT) -> DOUBLE", "(DOUBLE) -> DOUBLE")
	agg("CORRELATION", "Correlation coefficient of two columns.", "(DOUBLE, DOUBLE) -> DOUBLE")
	agg("ATTR", "Returns the value if every row has the same one, else NULL.", "(T) -> T")
	agg("SUM_LIST", "Sums the elements of arrays.", "(ARRAY<INT>) -> INT", "(ARRAY<BIGINT>) -> BIGINT", "(ARRAY<DOUBLE>) -> DOUBLE")
	lastOnly := func(n int) []int {
		if n < 1 {
			return nil
		}
		return []int{n - 1}
	}
	allButFirst := func(n int) []int {
		var out []int
		for i := 1; i < n; i++ {
			out = append(out, i)
		}
		return out
	}
	registry["TOPK"].LiteralParams = lastOnly
	registry["TOPKDISTINCT"].LiteralParams = lastOnly
	registry["LATEST_BY_OFFSET"].LiteralParams = allButFirst
	registry["EARLIEST_BY_OFFSET"].LiteralParams = allButFirst
	for _, n := range []string{"AVG", "CORRELATION", "STDDEV_SAMP", "STDDEV_SAMPLE", "COLLECT_LIST", "COLLECT_SET",
		"TOPK", "TOPKDISTINCT", "HISTOGRAM", "LATEST_BY_OFFSET", "EARLIEST_BY_OFFSET", "COUNT_DISTINCT", "ATTR"} {
		registry[n].StructuredState = true
	}

	// Table functions.
	tab := func(name, desc string, sigs ...string) { def(Table, catTable, name, desc, sigs...) }
	tab("EXPLODE", "Emits one row per array element.", "(ARRAY<T>) -> T")
	tab("CUBE_EXPLODE", "Emits every combination of NULL and non-NULL elements.", "(ARRAY<T>) -> ARRAY<T>")
	// ksqlDB's EXPLODE has a DECIMAL overload of its own (for the schema of
	// its result), which its error lists (qtt explode.json); T covers
	// DECIMAL here.
	registry["EXPLODE"].Alternatives = []string{"explode(ARRAY<DECIMAL> input)", "explode(ARRAY<T> list)"}
}

// TopKRow is the element type of TOPK(col, c1, ..., k): a struct of the
// sort column (sort_col) and the others (col0, col1, ...).
func TopKRow(sortCol *types.Type, others []*types.Type) *types.Type {
	fields := []types.Field{{Name: "sort_col", Type: sortCol}}
	for i, t := range others {
		fields = append(fields, types.Field{Name: fmt.Sprintf("col%d", i), Type: t})
	}
	return types.StructOf(fields...)
}
