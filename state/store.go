package state

import (
	"errors"
	"fmt"
)

// Entry is one write of a batch. A nil Value deletes Key.
type Entry struct {
	Key   []byte
	Value []byte
}

// Iterator walks a key range in ascending key order.
//
// Key and Value are valid until the next call to Next or Close and must not
// be modified. Close releases the iterator (for RocksDB, native memory) and
// returns the first error met while iterating; it must always be called.
type Iterator interface {
	Next() bool
	Key() []byte
	Value() []byte
	Close() error
}

// KeyValueStore is a sorted map from byte keys to byte values: the bottom of
// every store, and what the cache, the changelog and restore work with.
//
// Ownership: the store copies keys and values passed to Put and Apply. A
// slice returned by Get is read-only and valid until the next write to the
// store. A nil Value in Put deletes the key (as a changelog tombstone does);
// a present empty value is returned as a non-nil empty slice, absence as nil.
//
// Ranges are half-open [from, to) in bytewise key order; a nil bound is
// unbounded, while a non-nil empty `to` selects nothing. The store must not be
// written while a Range callback or an Iterator is active.
//
// Concurrency: not safe for concurrent use. A task owns its stores and drives
// them from one goroutine.
type KeyValueStore interface {
	Name() string
	Get(key []byte) ([]byte, error)
	Put(key, value []byte) error
	Delete(key []byte) error
	// Apply performs the writes in order, as one batch where the
	// implementation supports it (RocksDB: one WriteBatch).
	Apply(batch []Entry) error
	NewIterator(from, to []byte) (Iterator, error)
	// Range calls fn for each entry of [from, to) in key order until fn
	// returns false.
	Range(from, to []byte, fn func(key, value []byte) bool) error
}

// WindowStore holds one value per (key, window start), in segments of time
// so that Expire drops whole segments. Windows whose start is at or before
// streamTime-retention (of the latest Expire) are expired: they are no longer
// returned, and writes to them are ignored.
type WindowStore interface {
	Name() string
	// Put stores v for the window; nil deletes it. In a store that retains
	// duplicates (stream-stream joins) each Put adds an entry and nil is
	// ignored.
	Put(key []byte, windowStart int64, v []byte) error
	// Get returns the window's value (with duplicates: the earliest put).
	Get(key []byte, windowStart int64) ([]byte, error)
	// Fetch visits key's windows with fromStart <= start <= toStart,
	// ascending by start (duplicates in insertion order).
	Fetch(key []byte, fromStart, toStart int64, fn func(start int64, v []byte) bool) error
	// FetchAll visits every window with fromStart <= start <= toStart in
	// encoded-key order (see WindowKey), i.e. grouped by key bytes.
	FetchAll(fromStart, toStart int64, fn func(key []byte, start int64, v []byte) bool) error
	// Expire advances stream time: windows with start <= streamTime-retention
	// become invisible and whole segments behind that point are dropped.
	Expire(streamTime int64) error
}

// SessionStore holds session windows: one value per (key, start, end).
// Sessions with end <= streamTime-retention are expired.
type SessionStore interface {
	Name() string
	// Put stores v for the session; nil removes it.
	Put(key []byte, start, end int64, v []byte) error
	Remove(key []byte, start, end int64) error
	Get(key []byte, start, end int64) ([]byte, error)
	// FindSessions visits key's sessions with end >= earliestEnd and
	// start <= latestStart (those that overlap or touch
	// [latestStart, earliestEnd] when merging), ascending by end then start.
	FindSessions(key []byte, earliestEnd, latestStart int64, fn func(start, end int64, v []byte) bool) error
	// FindAll is FindSessions over every key, in encoded-key order.
	FindAll(earliestEnd, latestStart int64, fn func(key []byte, start, end int64, v []byte) bool) error
	Expire(streamTime int64) error
}

// Changelog receives every write that reaches a store's changelog-backed
// layer (the cache's flush, or a Logged store): key bytes in the store's own
// encoding, nil value for a delete. The caller produces them to the store's
// compacted changelog topic. Append must copy key and value if it keeps them
// after returning.
type Changelog interface {
	Append(store string, key, value []byte) error
}

// ChangelogFunc adapts a function to Changelog.
type ChangelogFunc func(store string, key, value []byte) error

// Append calls f.
func (f ChangelogFunc) Append(store string, key, value []byte) error { return f(store, key, value) }

// ErrMalformedKey reports an encoded window or session key too short to hold
// its timestamps: the bytes did not come from this package's encoders.
var ErrMalformedKey = errors.New("malformed store key")

// RangeIter runs fn over an iterator and closes it: the shared body of every
// implementation's Range.
func RangeIter(it Iterator, err error, fn func(k, v []byte) bool) error {
	if err != nil {
		return err
	}
	for it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	return it.Close()
}

// EmptyRange reports whether [from, to) is empty by construction, which every
// implementation checks before touching storage.
func EmptyRange(from, to []byte) bool {
	if to == nil {
		return false
	}
	if len(to) == 0 {
		return true
	}
	return from != nil && string(from) >= string(to)
}

// emptyIter is an iterator with nothing in it.
type emptyIter struct{ err error }

func (e emptyIter) Next() bool    { return false }
func (e emptyIter) Key() []byte   { return nil }
func (e emptyIter) Value() []byte { return nil }
func (e emptyIter) Close() error  { return e.err }

// EmptyIterator returns an iterator over nothing whose Close returns err.
func EmptyIterator(err error) Iterator { return emptyIter{err: err} }

func wrapErr(op, store string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", op, store, err)
}
