package bot

import (
	"strings"
	"testing"
)

// TestMetricsSeries: label values are quoted and escaped as Prometheus
// reads them, and the exposition lists every series.
func TestMetricsSeries(t *testing.T) {
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{nil, `phuan_x`},
		{[]string{"channel", "telegram"}, `phuan_x{channel="telegram"}`},
		{[]string{"a", "1", "b", `say "hi"\` + "\n"}, `phuan_x{a="1",b="say \"hi\"\\\n"}`},
	} {
		if got := series("phuan_x", tc.labels); got != tc.want {
			t.Errorf("series(%q) = %s, want %s", tc.labels, got, tc.want)
		}
	}
	m := NewMetrics()
	m.Inc("phuan_x", "channel", "telegram")
	m.Add("phuan_x", 2, "channel", "telegram")
	m.Inc("phuan_y")
	var b strings.Builder
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{`phuan_x{channel="telegram"} 3`, "phuan_y 1"} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("%q missing from:\n%s", line, b.String())
		}
	}
	if v := m.Value("phuan_x", "channel", "telegram"); v != 3 {
		t.Errorf("value %d, want 3", v)
	}
}
