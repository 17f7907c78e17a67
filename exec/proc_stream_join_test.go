package exec

import (
	"testing"
	"time"

	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// newTestStreamJoin builds a stream-stream join of two one-column rows
// (the join key, an INT) over fresh in-memory stores; emitted rows are
// appended to out as "left/right" pairs (0: NULL).
func newTestStreamJoin(t *testing.T, typ ast.JoinType, grace *time.Duration, out *[][2]any) *streamJoinProc {
	t.Helper()
	key := &expr.ColumnRef{Index: 0, Name: "K", T: types.TInt}
	schema := types.Schema{Columns: []types.Column{{Name: "K", Type: types.TInt}}}
	p := &planner.Proc{Kind: planner.ProcJoin, JoinType: typ, LeftKey: key, RightKey: key, LeftWidth: 1, RightWidth: 1,
		JoinInputs: []string{"l", "r"}, JoinSchemas: [2]types.Schema{schema, schema},
		Within: &ast.Within{Before: 10 * time.Second, After: 10 * time.Second, Grace: grace}}
	p.JoinStores = []string{"this", "other", "time"}
	if grace != nil && typ != ast.InnerJoin {
		p.JoinStores = []string{"this", "other", "outer", "time"}
	}
	ts, err := newTaskStores(nil, -1)
	if err != nil {
		t.Fatal(err)
	}
	jp, err := newStreamJoinProc(p, func(_ *rowMeta, row types.Row) error {
		*out = append(*out, [2]any{row[0], row[1]})
		return nil
	}, ts)
	if err != nil {
		t.Fatal(err)
	}
	return jp
}

// Records read again after a restart (input positions already stored) are
// joined again but not stored twice: a later match pairs with each once.
func TestStreamJoinStoresReplayedRecordOnce(t *testing.T) {
	var out [][2]any
	jp := newTestStreamJoin(t, ast.InnerJoin, nil, &out)
	for range 2 { // the second round is the replay
		for _, off := range []int64{5, 6} {
			k := int32(off - 4) // keys 1 and 2
			if err := jp.process(0, &rowMeta{offset: off, ts: 1000}, types.Row{k}, srcPos{partition: 0, pos: off}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := jp.process(1, &rowMeta{offset: 6, ts: 2000}, types.Row{int32(1)}, srcPos{partition: 1, pos: 6}); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("got %d results, want 1: %v", len(out), out)
	}
}

// With a grace period, an unmatched left record waits in the outer store
// until stream time passes its window end plus grace; a match removes it.
func TestStreamJoinOuterStore(t *testing.T) {
	var out [][2]any
	grace := time.Second
	jp := newTestStreamJoin(t, ast.LeftJoin, &grace, &out)
	step := func(side int, off, ts int64, k int32) {
		t.Helper()
		if err := jp.process(side, &rowMeta{offset: off, ts: ts}, types.Row{k}, srcPos{partition: int32(side), pos: off}); err != nil {
			t.Fatal(err)
		}
	}
	step(0, 0, 1000, 1)  // waits
	step(0, 1, 2000, 2)  // matched below: never emitted unmatched
	step(1, 2, 3000, 2)  // joins 2
	step(0, 3, 12000, 3) // not yet: 1000+10s+1s
	if len(out) != 1 || out[0] != [2]any{int32(2), int32(2)} {
		t.Fatalf("before the window closes: %v", out)
	}
	step(0, 4, 12001, 3)
	if len(out) != 2 || out[1] != [2]any{int32(1), nil} {
		t.Fatalf("after the window of 1 closes: %v", out)
	}
}
