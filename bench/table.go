package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer) *table {
	return &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)}
}

func (t *table) row(cells ...any) {
	s := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case float64:
			switch {
			case v < 10:
				s[i] = strconv.FormatFloat(v, 'f', 3, 64)
			case v >= 100 || v == float64(int64(v)):
				s[i] = strconv.FormatFloat(v, 'f', 0, 64)
			default:
				s[i] = strconv.FormatFloat(v, 'f', 1, 64)
			}
		default:
			s[i] = fmt.Sprint(v)
		}
	}
	fmt.Fprintln(t.tw, strings.Join(s, "\t")+"\t")
}

func (t *table) flush() error { return t.tw.Flush() }
