package nexmark

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestPerson(t *testing.T) {
	g := NewGenerator(Config{})
	twin, other := NewGenerator(Config{}), NewGenerator(Config{Seed: 7})
	same := 0
	for id := range int64(1000) {
		p := g.Person(id, 5)
		if p != twin.Person(id, 5) {
			t.Fatalf("person %d: two generators with the same seed disagree", id)
		}
		if p == other.Person(id, 5) {
			same++
		}
		if p.ID != id || p.DateTime != 5 {
			t.Fatalf("person %d: id/time %d/%d", id, p.ID, p.DateTime)
		}
		if !slices.Contains(usStates[:], p.State) || !slices.Contains(usCities[:], p.City) {
			t.Fatalf("person %d: state %q, city %q not from Nexmark's lists", id, p.State, p.City)
		}
		var back Person
		if err := json.Unmarshal(p.AppendJSON(nil), &back); err != nil || back != p {
			t.Fatalf("person %d: JSON %s does not round-trip (%v): %+v", id, p.AppendJSON(nil), err, back)
		}
	}
	if same > 10 {
		t.Errorf("seeds 0 and 7 give the same person for %d of 1000 ids", same)
	}
}

func TestAuction(t *testing.T) {
	g, twin := NewGenerator(Config{}), NewGenerator(Config{})
	for id := range int64(1000) {
		a := g.Auction(id, 1000)
		if a != twin.Auction(id, 1000) {
			t.Fatalf("auction %d: two generators with the same seed disagree", id)
		}
		if a.ID != id || a.DateTime != 1000 || a.Expires <= a.DateTime {
			t.Fatalf("auction %d: id %d, time %d, expires %d", id, a.ID, a.DateTime, a.Expires)
		}
		if a.InitialBid < 100 || a.InitialBid > 1_000_000 || a.Reserve <= a.InitialBid {
			t.Fatalf("auction %d: initial bid %d, reserve %d", id, a.InitialBid, a.Reserve)
		}
		if a.ItemName == "" {
			t.Fatalf("auction %d: empty item name", id)
		}
		var back Auction
		if err := json.Unmarshal(a.AppendJSON(nil), &back); err != nil || back != a {
			t.Fatalf("auction %d: JSON %s does not round-trip (%v): %+v", id, a.AppendJSON(nil), err, back)
		}
	}
}
