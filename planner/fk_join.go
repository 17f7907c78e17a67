package planner

import (
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// Foreign-key table-table joins: L JOIN R ON <expression over L> = R.<pk>.
// The result is keyed by L's primary key, as Kafka Streams' KTable
// foreign-key join (KIP-213) that ksqlDB builds them on. Only INNER and LEFT
// joins exist, and only as the first join of an n-way join.

// Internal topics and stores of a foreign-key join. ksqlDB's are Kafka
// Streams' (KTABLE-FK-JOIN-...-<n>-topic); ours keep their prefix without
// the node counter, and never end in "-repartition" (ksqlDB's corpus checks
// that a foreign-key join repartitions nothing).
const (
	// FKSubscriptionTopic carries left rows keyed by their foreign key to
	// the task owning that key: subscribe, re-subscribe, unsubscribe.
	FKSubscriptionTopic = "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-topic"
	// FKForeignTopic carries right rows keyed by their primary key, encoded
	// as the subscriptions' keys, so that both meet in one task whatever
	// the right topic's key format and partition count.
	FKForeignTopic = "KTABLE-FK-JOIN-FOREIGN-topic"
	// FKResponseTopic carries the answers to subscriptions back to the left
	// rows' partitions, where stale ones are dropped.
	FKResponseTopic = "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-topic"
	// FKLeftStore holds each left key's last row, to find the foreign key
	// an update moves the row away from.
	FKLeftStore = "KTABLE-FK-JOIN-LEFT-SOURCE-STORE"
	// FKRightStore holds the right rows by primary key.
	FKRightStore = "KTABLE-FK-JOIN-FOREIGN-STORE"
	// FKSubscriptionStore indexes the left rows by foreign key, then left
	// key: a right update re-joins every left row referencing it.
	FKSubscriptionStore = "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE"
)

// ProcFKJoin is a foreign-key table-table join. Its proc uses JoinInputs,
// JoinType, LeftKey (the foreign key, over the left row), RightKey,
// LeftWidth, RightWidth, Out (left row ‖ right row ‖ foreign key) and
// SourceKeyIndex (the left table's key columns in the left row).
const ProcFKJoin ProcKind = "ForeignKeyJoin"

// foreignKeyJoin checks that a join whose left expression is not the left
// table's primary key can be a foreign-key join: the first join of the
// query, INNER or LEFT.
func foreignKeyJoin(i int, j *ast.Join, cond string) error {
	if i > 0 {
		return ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got %s.", cond)
	}
	switch j.Type {
	case ast.RightJoin:
		return ast.Errorf(ast.SemanticError, j.At, "RIGHT OUTER JOIN on a foreign key is not supported")
	case ast.FullJoin:
		return ast.Errorf(ast.SemanticError, j.At, "FULL OUTER JOIN on a foreign key is not supported")
	}
	return nil
}

// foreignKeyLayout marks the left table's key columns as the join result's
// key (the trailing join-key column carries the foreign key as a value) and
// returns their indexes in the joined row.
func foreignKeyLayout(jn *JoinNode, left *joinSide) []int {
	var idx []int
	for ci, c := range left.row.Columns {
		if c.Namespace == types.KeyColumn {
			idx = append(idx, ci)
			jn.Out.Columns[ci].Namespace = types.KeyColumn
		}
	}
	jn.LeftKeyIndex = idx
	return idx
}

// foreignKeyProjection checks that a persistent query projects every key
// column of the left table exactly once. dups[k] lists the names the key
// column keys[k] is projected as.
func foreignKeyProjection(left *joinSide, keys []int, dups [][]string) error {
	for k, names := range dups {
		if len(names) > 1 {
			return ast.Errorf(ast.SemanticError, ast.Pos{}, "The projection contains a key column (%s) more than once, aliased as: %s.",
				types.QuoteIdent(left.qual+"_"+left.row.Columns[keys[k]].Name), strings.Join(names, " and "))
		}
	}
	var missing []string
	for k, names := range dups {
		if len(names) == 0 {
			missing = append(missing, types.QuoteIdent(left.row.Columns[keys[k]].Name))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	what, col := "Primary key column missing", "Missing column"
	if len(missing) > 1 {
		what, col = "Primary key columns missing", "Missing columns"
	}
	return ast.Errorf(ast.SemanticError, ast.Pos{}, "%s in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (%s). %s: %s.",
		what, types.QuoteIdent(left.src.Name), col, strings.Join(missing, ", "))
}

func lowerFKJoin(n *JoinNode) *Proc {
	return &Proc{Kind: ProcFKJoin, JoinType: n.Type, LeftKey: n.LeftKey, RightKey: n.RightKey, TableTable: true, Table: true,
		LeftWidth: len(n.Left.Schema().Columns), RightWidth: len(n.Right.Schema().Columns), Out: n.Out,
		SourceKeyIndex: n.LeftKeyIndex, StoreName: FKSubscriptionStore}
}

// fkJoinNames lists a foreign-key join's stores and internal topics.
func fkJoinNames(t *Topology) {
	stores := []string{FKLeftStore, FKRightStore, FKSubscriptionStore}
	t.Stores = append(t.Stores, stores...)
	t.Topics = append(t.Topics, FKSubscriptionTopic, FKForeignTopic, FKResponseTopic)
	for _, s := range stores {
		t.Topics = append(t.Topics, s+ChangelogSuffix)
	}
}
