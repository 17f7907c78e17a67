package planner

import "testing"

func TestParsePartialTimestamp(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "2018-01-01T00:00:00.001", want: 1514764800001},
		{in: "2019-01-01T00:00:00", want: 1546300800000},
		{in: "2018", want: 1514764800000},
		{in: "2018-02", want: 1517443200000},
		{in: "2018-01-01T01", want: 1514768400000},
		{in: "2020-02-10T08:31:44.001+0000", want: 1581323504001},
		{in: "2020-02-10T10:31:44.001+02:00", want: 1581323504001},
		{in: "2020-02-10T08:31:44.001Z", want: 1581323504001},
		{in: "2020-02-24T24", want: 1582588800000},
		{in: "201", bad: true},
		{in: "not a date", bad: true},
		{in: "2018-01-01T00:00:00.0011", bad: true},
	} {
		got, err := parsePartialTimestamp(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: want an error, got %d", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}
