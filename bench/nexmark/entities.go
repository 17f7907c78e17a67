package nexmark

import (
	"math"
	"strconv"
)

// Salts separate the person and auction draws from the bids' and keys',
// so entity id n and bid n share no random sequence.
const (
	personSalt  = 0x706572736f6e7321 // "persons!"
	auctionSalt = 0x61756374696f6e73 // "auctions"
)

// Nexmark's person vocabulary (PersonGenerator).
var (
	firstNames = [...]string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = [...]string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	usStates   = [...]string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities   = [...]string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
)

// Person is a Nexmark person without its extra padding: the row a join
// benchmark enriches bids with.
type Person struct {
	ID           int64
	Name         string
	EmailAddress string
	CreditCard   string
	City         string
	State        string
	DateTime     int64 // epoch ms
}

// Auction is a Nexmark auction without its description and extra padding.
type Auction struct {
	ID         int64
	ItemName   string
	InitialBid int64
	Reserve    int64
	Seller     int64
	Category   int64
	DateTime   int64 // epoch ms
	Expires    int64 // epoch ms
}

// Person returns person id at time dateTime. Like a bid, its fields are a
// pure function of (Config.Seed, id); the caller chooses the id space
// (a join benchmark uses its bids' keys) and the time.
func (g *Generator) Person(id, dateTime int64) Person {
	r := newRand(g.cfg.Seed^personSalt, id)
	p := Person{ID: id, DateTime: dateTime}
	p.Name = firstNames[r.intn(int64(len(firstNames)))] + " " + lastNames[r.intn(int64(len(lastNames)))]
	var b []byte
	b = appendShortString(b, &r, 7, '_')
	b = append(b, '@')
	b = appendShortString(b, &r, 7, '_')
	p.EmailAddress = string(append(b, ".com"...))
	b = b[:0]
	for i := range 4 {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, 1000+r.intn(9000), 10)
	}
	p.CreditCard = string(b)
	p.City = usCities[r.intn(int64(len(usCities)))]
	p.State = usStates[r.intn(int64(len(usStates)))]
	return p
}

// Auction returns auction id opened at dateTime, with Nexmark's price
// shape: an initial bid log-uniform over 100..10^6 and a reserve above it.
// Its fields other than the times are a pure function of (Config.Seed, id).
func (g *Generator) Auction(id, dateTime int64) Auction {
	r := newRand(g.cfg.Seed^auctionSalt, id)
	a := Auction{ID: id, DateTime: dateTime}
	a.ItemName = string(appendShortString(nil, &r, 20, ' '))
	a.InitialBid = int64(math.Round(math.Pow(10, r.float64()*4) * 100))
	a.Reserve = a.InitialBid + 100 + r.intn(a.InitialBid+1)
	a.Seller = firstPersonID + r.intn(g.cfg.NumActivePeople)
	a.Category = 10 + r.intn(5)
	a.Expires = dateTime + 10_000 + r.intn(100_000)
	return a
}

// AppendJSON appends p as a JSON object, fields in Nexmark order.
func (p *Person) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, p.ID, 10)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, p.Name)
	dst = append(dst, `,"emailAddress":`...)
	dst = appendString(dst, p.EmailAddress)
	dst = append(dst, `,"creditCard":`...)
	dst = appendString(dst, p.CreditCard)
	dst = append(dst, `,"city":`...)
	dst = appendString(dst, p.City)
	dst = append(dst, `,"state":`...)
	dst = appendString(dst, p.State)
	dst = append(dst, `,"dateTime":`...)
	dst = strconv.AppendInt(dst, p.DateTime, 10)
	return append(dst, '}')
}

// AppendJSON appends a as a JSON object, fields in Nexmark order.
func (a *Auction) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, a.ID, 10)
	dst = append(dst, `,"itemName":`...)
	dst = appendString(dst, a.ItemName)
	dst = append(dst, `,"initialBid":`...)
	dst = strconv.AppendInt(dst, a.InitialBid, 10)
	dst = append(dst, `,"reserve":`...)
	dst = strconv.AppendInt(dst, a.Reserve, 10)
	dst = append(dst, `,"dateTime":`...)
	dst = strconv.AppendInt(dst, a.DateTime, 10)
	dst = append(dst, `,"expires":`...)
	dst = strconv.AppendInt(dst, a.Expires, 10)
	dst = append(dst, `,"seller":`...)
	dst = strconv.AppendInt(dst, a.Seller, 10)
	dst = append(dst, `,"category":`...)
	dst = strconv.AppendInt(dst, a.Category, 10)
	return append(dst, '}')
}
