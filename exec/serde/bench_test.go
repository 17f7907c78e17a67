package serde

import (
	"encoding/json"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// nexmarkBid is a Nexmark bid as the Nexmark generator writes it (~230 bytes).
var nexmarkBid = []byte(`{"auction":1000,"bidder":1001,"price":1234567,"channel":"Google",` +
	`"url":"https://www.nexmark.com/wtz/eoa/item.htm?query=1&channel_id=1543503872",` +
	`"dateTime":1657843200123,"extra":"pcbhkdxaaeoazwyuqfivdygtklrrhjgkrvszcmnaj"}`)

func bidColumns() []types.Column {
	return cols(col("AUCTION", types.TBigint), col("BIDDER", types.TBigint), col("PRICE", types.TBigint),
		col("CHANNEL", types.TString), col("URL", types.TString), col("DATETIME", types.TTimestamp),
		col("EXTRA", types.TString))
}

// BenchmarkDecodeJSON compares the schema-driven decoder with encoding/json
// into map[string]any (performance.md 3(b)).
func BenchmarkDecodeJSON(b *testing.B) {
	b.Run("serde", func(b *testing.B) {
		c := mustValue(b, JSON, bidColumns(), Options{})
		b.SetBytes(int64(len(nexmarkBid)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Decode(nexmarkBid); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serde_skip_unused", func(b *testing.B) {
		// q1 reads auction, bidder, price, channel, dateTime: url and extra are skipped.
		c := mustValue(b, JSON, bidColumns(), Options{Skip: []bool{false, false, false, false, true, false, true}})
		b.SetBytes(int64(len(nexmarkBid)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Decode(nexmarkBid); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serde_into_skip_unused", func(b *testing.B) {
		// As a source decodes: into a reused row, strings and BIGINTs from a Scratch.
		c := mustValue(b, JSON, bidColumns(), Options{Skip: []bool{false, false, false, false, true, false, true}})
		row := make([]any, len(bidColumns()))
		var s Scratch
		b.SetBytes(int64(len(nexmarkBid)))
		b.ReportAllocs()
		for b.Loop() {
			if err := DecodeInto(c, row, nexmarkBid, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json_map", func(b *testing.B) {
		b.SetBytes(int64(len(nexmarkBid)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(nexmarkBid, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeJSON(b *testing.B) {
	c := mustValue(b, JSON, bidColumns(), Options{})
	row, err := c.Decode(nexmarkBid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(row); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendEncodeJSON(b *testing.B) {
	c := mustValue(b, JSON, bidColumns(), Options{})
	row, err := c.Decode(nexmarkBid)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if buf, _, err = AppendEncode(c, buf[:0], row); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeDelimited(b *testing.B) {
	c := mustValue(b, Delimited, bidColumns(), Options{})
	row, _ := mustValue(b, JSON, bidColumns(), Options{}).Decode(nexmarkBid)
	data, err := c.Encode(row)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
