package bot

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Metrics holds counters and gauges and writes them in the Prometheus text format.
type Metrics struct {
	mu       sync.Mutex
	counters map[string]*atomic.Int64 // full series name → value
	help     map[string]string        // metric name → help
	gauges   map[string]func() float64
}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{counters: map[string]*atomic.Int64{}, help: map[string]string{}, gauges: map[string]func() float64{}}
}

// Add increases the counter name{labels} by n; labels alternate key, value.
func (m *Metrics) Add(name string, n int64, labels ...string) {
	if m == nil {
		return
	}
	key := series(name, labels)
	m.mu.Lock()
	c := m.counters[key]
	if c == nil {
		c = new(atomic.Int64)
		m.counters[key] = c
	}
	m.mu.Unlock()
	c.Add(n)
}

// Inc increases a counter by one.
func (m *Metrics) Inc(name string, labels ...string) { m.Add(name, 1, labels...) }

// Value reads a counter (for tests and reports).
func (m *Metrics) Value(name string, labels ...string) int64 {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.counters[series(name, labels)]; c != nil {
		return c.Load()
	}
	return 0
}

// Gauge registers a value read at each scrape.
func (m *Metrics) Gauge(name, help string, read func() float64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges[name] = read
	m.help[name] = help
}

// Describe sets a metric's help text.
func (m *Metrics) Describe(name, help string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.help[name] = help
}

func series(name string, labels []string) string {
	if len(labels) == 0 {
		return name
	}
	b := make([]byte, 0, 64)
	b = append(append(b, name...), '{')
	for i := 0; i+1 < len(labels); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(append(append(b, labels[i]...), '='), labels[i+1])
	}
	return string(append(b, '}'))
}

// WriteTo writes every metric in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	keys := make([]string, 0, len(m.counters))
	for k := range m.counters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type sample struct {
		key string
		v   float64
	}
	counters := map[string][]sample{}
	var names []string
	for _, k := range keys {
		name, _, _ := strings.Cut(k, "{")
		if counters[name] == nil {
			names = append(names, name)
		}
		counters[name] = append(counters[name], sample{k, float64(m.counters[k].Load())})
	}
	gaugeNames := make([]string, 0, len(m.gauges))
	for n := range m.gauges {
		gaugeNames = append(gaugeNames, n)
	}
	sort.Strings(gaugeNames)
	gauges := make(map[string]func() float64, len(m.gauges))
	for n, f := range m.gauges {
		gauges[n] = f
	}
	help := make(map[string]string, len(m.help))
	for n, h := range m.help {
		help[n] = h
	}
	m.mu.Unlock()

	var b strings.Builder
	for _, name := range names {
		if h := help[name]; h != "" {
			fmt.Fprintf(&b, "# HELP %s %s\n", name, h)
		}
		fmt.Fprintf(&b, "# TYPE %s counter\n", name)
		for _, s := range counters[name] {
			fmt.Fprintf(&b, "%s %g\n", s.key, s.v)
		}
	}
	for _, name := range gaugeNames {
		if h := help[name]; h != "" {
			fmt.Fprintf(&b, "# HELP %s %s\n", name, h)
		}
		fmt.Fprintf(&b, "# TYPE %s gauge\n%s %g\n", name, name, gauges[name]())
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
