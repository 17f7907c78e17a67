// Package nexmark generates the bid stream of the Nexmark benchmark, ported
// compactly from the Beam/Flink generator (nexmark/nexmark, GeneratorConfig
// and BidGenerator) so that key skew, price distribution and record sizes are
// comparable with published Nexmark runs.
//
// Every bid is a pure function of (Config.Seed, event id): generators can be
// split by id range, rerun, or consulted at random without any shared state.
//
// Kafka layout: topic "bid", keyed by auction as a KAFKA-format BIGINT, i.e.
// 8-byte big-endian two's complement (AppendKey), which ksqlDB declares as
// `auction BIGINT KEY ... key_format='KAFKA'`. Values are JSON objects with
// the fields auction, bidder, price, channel, url, dateTime (epoch ms) and
// extra; about 200 bytes each with the default Config.
package nexmark

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Event mix of Nexmark: per epoch of 50 events, 1 person, 3 auctions and 46
// bids. Event ids are global over all three kinds, and auction/person ids are
// derived from them, which is why a bid-only generator still needs the mix.
const (
	personProportion  = 1
	auctionProportion = 3
	bidProportion     = 46
	proportionDenom   = personProportion + auctionProportion + bidProportion

	firstAuctionID = 1000
	firstPersonID  = 1000

	// Hot auctions are the first of each batch of 100 auctions; hot bidders
	// the second of each batch of 100 people (so they differ from hot sellers).
	hotAuctionBatch = 100
	hotBidderBatch  = 100
	// Bids may name auctions/people slightly ahead of the last one created.
	auctionIDLead = 10
	personIDLead  = 10

	hotChannelsRatio = 2
	numChannels      = 10000
	// The fixed fields of a bid in Nexmark's size accounting (4 longs).
	bidFixedSize = 32
)

var hotChannels = [...]string{"Google", "Facebook", "Baidu", "Apple"}

// Config holds the generator's knobs. Zero fields take Nexmark's defaults
// (see DefaultConfig).
type Config struct {
	// Seed varies the whole stream; the same seed gives the same bids.
	Seed uint64
	// NumInFlightAuctions and NumActivePeople bound the cold key space
	// (Nexmark: 100 and 1000). Raise them for key-cardinality studies.
	NumInFlightAuctions int64
	NumActivePeople     int64
	// A bid goes to a hot auction with probability 1-1/HotAuctionRatio and
	// comes from a hot bidder with probability 1-1/HotBiddersRatio
	// (Nexmark: 2 and 4).
	HotAuctionRatio int
	HotBiddersRatio int
	// AvgBidByteSize is Nexmark's average in-memory bid size, which sets the
	// length of the extra padding (±20%). Nexmark uses 100; the default here
	// is 59, which makes the JSON value average about 200 bytes, the size the
	// performance notes measured with.
	AvgBidByteSize int
	// BaseTime is the event time of event 0 in epoch ms; InterEventDelayUs is
	// the event-time gap between consecutive events (100 µs = 10,000 ev/s,
	// Nexmark's default rate).
	BaseTime          int64
	InterEventDelayUs int64
}

// DefaultConfig returns Nexmark's default configuration.
func DefaultConfig() Config {
	return Config{
		NumInFlightAuctions: 100,
		NumActivePeople:     1000,
		HotAuctionRatio:     2,
		HotBiddersRatio:     4,
		AvgBidByteSize:      59,
		BaseTime:            1714564800000, // 2024-05-01T12:00:00Z
		InterEventDelayUs:   100,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.NumInFlightAuctions <= 0 {
		c.NumInFlightAuctions = d.NumInFlightAuctions
	}
	if c.NumActivePeople <= 0 {
		c.NumActivePeople = d.NumActivePeople
	}
	if c.HotAuctionRatio <= 0 {
		c.HotAuctionRatio = d.HotAuctionRatio
	}
	if c.HotBiddersRatio <= 0 {
		c.HotBiddersRatio = d.HotBiddersRatio
	}
	if c.AvgBidByteSize <= 0 {
		c.AvgBidByteSize = d.AvgBidByteSize
	}
	if c.BaseTime == 0 {
		c.BaseTime = d.BaseTime
	}
	if c.InterEventDelayUs <= 0 {
		c.InterEventDelayUs = d.InterEventDelayUs
	}
	return c
}

// Bid is one Nexmark bid.
type Bid struct {
	Auction  int64
	Bidder   int64
	Price    int64
	Channel  string
	URL      string
	DateTime int64 // epoch ms
	Extra    string
}

// Generator produces bids. It is immutable after NewGenerator and safe for
// concurrent use.
type Generator struct {
	cfg         Config
	hotURLs     [len(hotChannels)]string
	channels    []string
	channelURLs []string
}

// NewGenerator builds a generator, precomputing the channel/URL cache as
// Nexmark does (10,000 channels "channel-N", 90% of whose URLs carry
// "&channel_id=").
func NewGenerator(cfg Config) *Generator {
	cfg = cfg.withDefaults()
	g := &Generator{cfg: cfg, channels: make([]string, numChannels), channelURLs: make([]string, numChannels)}
	// Nexmark draws the hot URLs from an unseeded Random; seeding them keeps
	// the whole stream reproducible.
	r := newRand(cfg.Seed, math.MaxInt64)
	for i := range g.hotURLs {
		g.hotURLs[i] = baseURL(&r)
	}
	for i := range numChannels {
		r := newRand(cfg.Seed, int64(i))
		url := baseURL(&r)
		if r.intn(10) > 0 {
			url += "&channel_id=" + strconv.FormatInt(int64(absInt32(reverseBits32(int32(i)))), 10)
		}
		g.channels[i] = "channel-" + strconv.Itoa(i)
		g.channelURLs[i] = url
	}
	return g
}

// Config returns the effective configuration (defaults filled in).
func (g *Generator) Config() Config { return g.cfg }

// BidEventID maps the n-th bid (0-based) to its global Nexmark event id:
// bids occupy the last 46 slots of every epoch of 50 events.
func BidEventID(n int64) int64 {
	return (n/bidProportion)*proportionDenom + personProportion + auctionProportion + n%bidProportion
}

// Bid returns the n-th bid (0-based) of the stream.
func (g *Generator) Bid(n int64) Bid {
	var b Bid
	var extra []byte
	extra = g.fill(&b, n, extra)
	b.Extra = string(extra)
	return b
}

// AppendBid appends the n-th bid's Kafka key and JSON value to the given
// buffers without intermediate allocations. It also returns the bid with
// every field but Extra (whose bytes are only in the value), for the record
// timestamp and for computing expected query results.
func (g *Generator) AppendBid(key, value []byte, n int64) (k, v []byte, b Bid) {
	// The extra padding is at most ~1.2×AvgBidByteSize; a stack buffer
	// covers the default sizes.
	var buf [256]byte
	extra := g.fill(&b, n, buf[:0])
	return AppendKey(key, b.Auction), appendJSON(value, &b, extra), b
}

// fill sets b's fields except Extra, whose bytes it appends to extra.
func (g *Generator) fill(b *Bid, n int64, extra []byte) []byte {
	cfg := &g.cfg
	id := BidEventID(n)
	r := newRand(cfg.Seed, id)

	lastAuction := lastBase0AuctionID(id)
	if r.intn(int64(cfg.HotAuctionRatio)) > 0 {
		b.Auction = (lastAuction / hotAuctionBatch) * hotAuctionBatch
	} else {
		lo := max(lastAuction-cfg.NumInFlightAuctions, 0)
		b.Auction = lo + r.intn(lastAuction-lo+1+auctionIDLead)
	}
	b.Auction += firstAuctionID

	lastPerson := lastBase0PersonID(id)
	if r.intn(int64(cfg.HotBiddersRatio)) > 0 {
		b.Bidder = (lastPerson/hotBidderBatch)*hotBidderBatch + 1
	} else {
		numPeople := lastPerson + 1
		active := min(numPeople, cfg.NumActivePeople)
		b.Bidder = numPeople - active + r.intn(active+personIDLead)
	}
	b.Bidder += firstPersonID

	// Log-uniform between 100 and 10^8.
	b.Price = int64(math.Round(math.Pow(10, r.float64()*6) * 100))

	if r.intn(hotChannelsRatio) > 0 {
		i := r.intn(int64(len(hotChannels)))
		b.Channel, b.URL = hotChannels[i], g.hotURLs[i]
	} else {
		i := r.intn(numChannels)
		b.Channel, b.URL = g.channels[i], g.channelURLs[i]
	}

	b.DateTime = cfg.BaseTime + id*cfg.InterEventDelayUs/1000

	return appendExtra(extra, &r, bidFixedSize, cfg.AvgBidByteSize)
}

// lastBase0AuctionID is the id (from 0) of the last auction created at or
// before event id.
func lastBase0AuctionID(id int64) int64 {
	epoch, offset := id/proportionDenom, id%proportionDenom
	switch {
	case offset < personProportion:
		epoch--
		offset = auctionProportion - 1
	case offset >= personProportion+auctionProportion:
		offset = auctionProportion - 1
	default:
		offset -= personProportion
	}
	return epoch*auctionProportion + offset
}

// lastBase0PersonID is the id (from 0) of the last person created at or
// before event id.
func lastBase0PersonID(id int64) int64 {
	epoch, offset := id/proportionDenom, id%proportionDenom
	if offset >= personProportion {
		offset = personProportion - 1
	}
	return epoch*personProportion + offset
}

// appendExtra pads a record to about avg bytes: Nexmark's nextExtra, a
// string of avg-current ±20% random letters.
func appendExtra(dst []byte, r *rng, current, avg int) []byte {
	if current > avg {
		return dst
	}
	want := avg - current
	delta := int(math.Round(float64(want) * 0.2))
	size := want - delta
	if delta > 0 {
		size += int(r.intn(int64(2 * delta)))
	}
	for range size {
		dst = append(dst, byte('a'+r.intn(26)))
	}
	return dst
}

// baseURL is Nexmark's getBaseUrl: three short random path segments.
func baseURL(r *rng) string {
	b := []byte("https://www.nexmark.com/")
	for range 3 {
		b = appendShortString(b, r, 5, '_')
		b = append(b, '/')
	}
	return string(append(b, "item.htm?query=1"...))
}

// appendShortString is Nexmark's nextString: 3..maxLen-1 letters, each
// replaced by special with probability 1/13, trimmed of special at the ends.
func appendShortString(dst []byte, r *rng, maxLen int64, special byte) []byte {
	start := len(dst)
	n := 3 + r.intn(maxLen-3)
	for range n {
		if r.intn(13) == 0 {
			dst = append(dst, special)
		} else {
			dst = append(dst, byte('a'+r.intn(26)))
		}
	}
	s := dst[start:]
	i, j := 0, len(s)
	for i < j && s[i] == special {
		i++
	}
	for j > i && s[j-1] == special {
		j--
	}
	n2 := copy(dst[start:], s[i:j])
	return dst[:start+n2]
}

func reverseBits32(x int32) int32 {
	u := uint32(x)
	var out uint32
	for range 32 {
		out = out<<1 | u&1
		u >>= 1
	}
	return int32(out)
}

// absInt32 mirrors Java's Math.abs, which leaves MinInt32 negative.
func absInt32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// AppendKey appends auction as a KAFKA-format BIGINT key: 8 bytes,
// big-endian (Kafka's LongSerializer).
func AppendKey(dst []byte, auction int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(auction))
}

// AppendJSON appends b as a JSON object, fields in Nexmark order.
func (b *Bid) AppendJSON(dst []byte) []byte {
	return appendJSON(dst, b, []byte(b.Extra))
}

func appendJSON(dst []byte, b *Bid, extra []byte) []byte {
	dst = append(dst, `{"auction":`...)
	dst = strconv.AppendInt(dst, b.Auction, 10)
	dst = append(dst, `,"bidder":`...)
	dst = strconv.AppendInt(dst, b.Bidder, 10)
	dst = append(dst, `,"price":`...)
	dst = strconv.AppendInt(dst, b.Price, 10)
	dst = append(dst, `,"channel":`...)
	dst = appendString(dst, b.Channel)
	dst = append(dst, `,"url":`...)
	dst = appendString(dst, b.URL)
	dst = append(dst, `,"dateTime":`...)
	dst = strconv.AppendInt(dst, b.DateTime, 10)
	dst = append(dst, `,"extra":`...)
	dst = appendString(dst, extra)
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendString writes a JSON string. Generated text never needs escaping,
// but Bid is a public type, so arbitrary field contents must stay valid JSON.
func appendString[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// rng is SplitMix64 seeded from (seed, id): cheap, and independent per event
// id, which is all Nexmark asks of its per-event SplittableRandom.
type rng struct{ s uint64 }

func newRand(seed uint64, id int64) rng {
	// Hashing the id (a bijection) keeps neighbouring ids from starting on
	// the same SplitMix64 sequence shifted by one step.
	return rng{s: mix64(mix64(uint64(id)) ^ seed)}
}

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a value in [0, n) for n > 0 (modulo bias is negligible for
// the small n used here).
func (r *rng) intn(n int64) int64 { return int64(r.next() % uint64(n)) }

func (r *rng) float64() float64 { return float64(r.next()>>11) / (1 << 53) }
