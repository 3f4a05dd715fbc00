package knowledge

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// benchArticles expands the real articles (or, before they exist, the test
// ones) to n, each clone with a new id and its words shuffled and mixed
// with another article's, so the index has n distinct documents with the
// vocabulary of the knowledge base.
func benchArticles(tb testing.TB, n int) []*Article {
	tb.Helper()
	seed := testArticles()
	if b, err := Embedded(); err == nil {
		seed = b.Articles()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	shuffle := func(s, mix string) string {
		words := append(strings.Fields(s), strings.Fields(mix)[:len(strings.Fields(mix))/2]...)
		rng.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
		return strings.Join(words, " ")
	}
	out := make([]*Article, 0, n)
	out = append(out, seed...)
	for i := len(seed); i < n; i++ {
		src, other := seed[i%len(seed)], seed[rng.IntN(len(seed))]
		c := *src
		c.ID = fmt.Sprintf("%s-%03d", src.ID, i)
		c.Lang = map[string]*Text{}
		for l, t := range src.Lang {
			if t == nil {
				continue
			}
			mix := ""
			if o := other.Lang[l]; o != nil {
				mix = o.Body
			}
			c.Lang[l] = &Text{Title: t.Title, Summary: shuffle(t.Summary, ""), Body: shuffle(t.Body, mix), Keywords: t.Keywords}
		}
		out = append(out, &c)
	}
	return out
}

// benchQueries are the evaluation questions, or a fixed mix before the
// evaluation set exists.
func benchQueries() []string {
	if cases, err := EvalSet(); err == nil && len(cases) > 0 {
		qs := make([]string, len(cases))
		for i, c := range cases {
			qs[i] = c.Q
		}
		return qs
	}
	return []string{
		"ເຮັດວຽກແລ້ວນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ", "ໂຮງຫມໍ", "ngoen deuan bo dai", "my boss didnt pay my salary",
		"นายจ้างไม่จ่ายเงินเดือน", "lost passport", "ສົ່ງເງິນກັບບ້ານແນວໃດ", "asdkjhqwe",
	}
}

func BenchmarkSearch500(b *testing.B) {
	kb := New(benchArticles(b, 500))
	qs := benchQueries()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		kb.Search(qs[i%len(qs)], "lo", DefaultLimit)
	}
	b.StopTimer()
	p50, _, p99 := LatencyReport(kb, qs, "lo", 50)
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
}

func BenchmarkBuild500(b *testing.B) {
	articles := benchArticles(b, 500)
	b.ReportAllocs()
	for b.Loop() {
		New(articles)
	}
	b.StopTimer()
	b.ReportMetric(float64(indexHeap(articles)), "heap-B")
}

// indexHeap is the live heap a Base over articles holds.
func indexHeap(articles []*Article) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kb := New(articles)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kb)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// BenchmarkEmbedded is the start-up cost: decoding the built-in articles
// and indexing them.
func BenchmarkEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Embedded(); err != nil {
			b.Skip(err)
		}
	}
}
