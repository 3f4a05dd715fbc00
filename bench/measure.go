package bench

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Latency is a distribution of durations, in milliseconds for JSON.
type Latency struct {
	N     int     `json:"n"`
	P50ms float64 `json:"p50_ms"`
	P95ms float64 `json:"p95_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// Percentiles summarises ds (nearest rank); it sorts ds.
func Percentiles(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return ms(ds[min(max(i, 0), len(ds)-1)])
	}
	return Latency{N: len(ds), P50ms: at(0.50), P95ms: at(0.95), P99ms: at(0.99), MaxMs: ms(ds[len(ds)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// memSampler records the peak memory of this process while it runs: the
// Go runtime's (heap, stacks and runtime structures, less what was
// returned to the OS) and the resident set size, which also counts the
// pages of the database file mapped in.
type memSampler struct {
	stop, done chan struct{}
	mu         sync.Mutex
	peakGo     uint64
	peakRSS    uint64
}

// sampleMemory collects garbage, then samples every interval until Stop.
func sampleMemory(every time.Duration) *memSampler {
	runtime.GC()
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	read := func() {
		metrics.Read(samples)
		total, released := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		rss := readRSS()
		m.mu.Lock()
		m.peakGo = max(m.peakGo, total-released)
		m.peakRSS = max(m.peakRSS, rss)
		m.mu.Unlock()
	}
	read()
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return m
}

// Stop ends sampling and returns the peaks in bytes.
func (m *memSampler) Stop() (goBytes, rssBytes uint64) {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peakGo, m.peakRSS
}

// readRSS is the resident set size from /proc (0 where there is none).
func readRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// processCPU is the CPU time the process used so far, user and system,
// from /proc (0 where there is none; Linux counts it in 1/100 s).
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing one. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// MB converts bytes to megabytes (2^20), rounded to one decimal.
func MB(b uint64) float64 { return math.Round(float64(b)/(1<<20)*10) / 10 }

// startProgress rewrites one status line on w every interval until the
// returned stop is called, which prints the last state and a newline.
// A nil w shows nothing.
func startProgress(w io.Writer, every time.Duration, line func() string) (stop func()) {
	if w == nil {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	width := 0
	show := func() {
		s := line()
		pad := max(0, width-len(s))
		width = len(s)
		fmt.Fprintf(w, "\r%s%s", s, strings.Repeat(" ", pad))
	}
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				show()
				fmt.Fprintln(w)
				return
			case <-t.C:
				show()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-done
		})
	}
}
