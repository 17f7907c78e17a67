package planner

import (
	"strings"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// CheckUpgrade tells whether a source's schema may be replaced by next
// (CREATE OR REPLACE): key columns must stay identical, and existing value
// columns must stay in place; new value columns may only be appended.
func CheckUpgrade(old *catalog.Source, next types.Schema) error {
	kw := keyWord(old)
	if bad := changed(old.Schema.Keys(), next.Keys(), true); len(bad) > 0 {
		return upgradeErr(old, next, kw, "Key columns must be identical. The following key columns are changed, missing or reordered: ", bad)
	}
	if bad := changed(old.Schema.Values(), next.Values(), false); len(bad) > 0 {
		return upgradeErr(old, next, kw, "The following columns are changed, missing or reordered: ", bad)
	}
	return nil
}

// CheckUpgradePlan refuses to replace a query (CREATE OR REPLACE) when the
// old or the new plan joins: the join's state (and its repartition topics)
// would not carry over to a changed plan. ksqlDB names its join step, the
// outermost one of the old plan. next is checked too, as the old plan may be
// unknown (nil) and joining one the old plan did not is no better.
func CheckUpgradePlan(old, next *Plan) error {
	for _, p := range []*Plan{old, next} {
		if p == nil {
			continue
		}
		if step := joinStep(p.Logical); step != "" {
			return ast.Errorf(ast.SemanticError, ast.Pos{}, "Upgrades not yet supported for %s", step)
		}
	}
	return nil
}

// joinStep names, after ksqlDB's execution steps, the outermost join of a
// plan ("" when it has none).
func joinStep(n Logical) string {
	if n == nil {
		return ""
	}
	if j, ok := n.(*JoinNode); ok {
		switch {
		case j.ForeignKey:
			return "ForeignKeyTableTableJoin"
		case j.TableTable:
			return "TableTableJoin"
		case j.Within != nil:
			return "StreamStreamJoin"
		}
		return "StreamTableJoin"
	}
	for _, in := range n.Inputs() {
		if step := joinStep(in); step != "" {
			return step
		}
	}
	return ""
}

// changed lists the columns of old that next does not have at the same place.
func changed(old, next []types.Column, exact bool) []types.Column {
	var bad []types.Column
	for i, c := range old {
		if i >= len(next) || next[i].Name != c.Name || !next[i].Type.Equal(c.Type) {
			bad = append(bad, c)
		}
	}
	if exact && len(bad) == 0 && len(next) != len(old) {
		bad = append(bad, next[len(old):]...)
	}
	return bad
}

func upgradeErr(old *catalog.Source, next types.Schema, kw, what string, cols []types.Column) error {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = types.Schema{Columns: []types.Column{c}}.String(kw)
	}
	return ast.Errorf(ast.SemanticError, ast.Pos{},
		"Cannot upgrade data source: DataSource '%s' has schema = %s which is not upgrade compatible with %s. (%s[%s])",
		types.QuoteIdent(old.Name), old.Schema.String(kw), next.String(kw), what, strings.Join(parts, ", "))
}
