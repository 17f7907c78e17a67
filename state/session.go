package state

import (
	"bytes"
	"math"
)

// NewSessionStore returns a session store that writes encoded session keys
// to kv and expires through seg (see NewWindowStore for kv).
func NewSessionStore(kv KeyValueStore, seg *Segmented) SessionStore {
	if kv == nil {
		kv = seg
	}
	return &sessionStore{kv: kv, seg: seg}
}

type sessionStore struct {
	kv  KeyValueStore
	seg *Segmented
	buf []byte
}

func (s *sessionStore) Name() string { return s.kv.Name() }

func (s *sessionStore) key(key []byte, start, end int64) []byte {
	s.buf = SessionKey(s.buf[:0], key, start, end)
	return s.buf
}

func (s *sessionStore) Put(key []byte, start, end int64, v []byte) error {
	return wrapErr("session put", s.Name(), s.kv.Put(s.key(key, start, end), v))
}

func (s *sessionStore) Remove(key []byte, start, end int64) error {
	return wrapErr("session remove", s.Name(), s.kv.Delete(s.key(key, start, end)))
}

func (s *sessionStore) Get(key []byte, start, end int64) ([]byte, error) {
	if s.seg.Expired(end) {
		return nil, nil
	}
	v, err := s.kv.Get(s.key(key, start, end))
	return v, wrapErr("session get", s.Name(), err)
}

func (s *sessionStore) FindSessions(key []byte, earliestEnd, latestStart int64, fn func(int64, int64, []byte) bool) error {
	lo := SessionKey(nil, key, math.MinInt64, earliestEnd)
	hi := append(SessionKey(nil, key, math.MaxInt64, math.MaxInt64), 0)
	err := s.kv.Range(lo, hi, func(k, v []byte) bool {
		kk, start, end, err := SplitSessionKey(k)
		if err != nil || !bytes.Equal(kk, key) || start > latestStart || s.seg.Expired(end) {
			return true
		}
		return fn(start, end, v)
	})
	return wrapErr("session find", s.Name(), err)
}

func (s *sessionStore) FindAll(earliestEnd, latestStart int64, fn func([]byte, int64, int64, []byte) bool) error {
	err := s.kv.Range(nil, nil, func(k, v []byte) bool {
		kk, start, end, err := SplitSessionKey(k)
		if err != nil || end < earliestEnd || start > latestStart || s.seg.Expired(end) {
			return true
		}
		return fn(kk, start, end, v)
	})
	return wrapErr("session find all", s.Name(), err)
}

func (s *sessionStore) Expire(streamTime int64) error {
	return s.seg.Expire(streamTime)
}
