package exec

import "github.com/sluicedb/sluice/exec/eval"

// parseTimestamp reads a STRING timestamp column with a Java-style
// timestamp_format, as ksqlDB's timestamp extractor does.
func parseTimestamp(s, format string) (int64, error) {
	return eval.ParseTimestamp(s, format)
}
