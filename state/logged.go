package state

// Logged returns s with every write also appended to cl: the changelog layer
// for a store used without the task cache (with the cache, the cache's flush
// feeds the changelog instead). The store is written first, so a failed
// append leaves the store ahead of its changelog; the task must then fail
// and restore, as with any commit error.
func Logged(s KeyValueStore, cl Changelog) KeyValueStore {
	return &logged{KeyValueStore: s, cl: cl}
}

type logged struct {
	KeyValueStore
	cl Changelog
}

func (l *logged) Put(key, value []byte) error {
	if err := l.KeyValueStore.Put(key, value); err != nil {
		return err
	}
	return wrapErr("changelog append", l.Name(), l.cl.Append(l.Name(), key, value))
}

func (l *logged) Delete(key []byte) error {
	if err := l.KeyValueStore.Delete(key); err != nil {
		return err
	}
	return wrapErr("changelog append", l.Name(), l.cl.Append(l.Name(), key, nil))
}

func (l *logged) Apply(batch []Entry) error {
	if err := l.KeyValueStore.Apply(batch); err != nil {
		return err
	}
	for _, e := range batch {
		if err := l.cl.Append(l.Name(), e.Key, e.Value); err != nil {
			return wrapErr("changelog append", l.Name(), err)
		}
	}
	return nil
}

// Unwrap returns the store underneath.
func (l *logged) Unwrap() KeyValueStore { return l.KeyValueStore }
