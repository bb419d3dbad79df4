package main

// Runs kube's TestConcAlloc generator (seed 1234567890, conc_alloc_test.go) and prints the first -cases cases as JSON,
// each with the answer of computeConcurrencyAllocation (conc_alloc.go, copied beside this file by generate.sh).
import (
	"encoding/json"
	"flag"
	"math"
	"math/rand"
	"os"
	"sort"
)

type item struct {
	T float64 `json:"t"`
	L float64 `json:"l"`
	U float64 `json:"u"`
}
type kase struct {
	Sum     int       `json:"sum"`
	Style   string    `json:"style"`
	Classes []item    `json:"classes"`
	Allocs  []float64 `json:"allocs"`
	Fair    float64   `json:"fair"`
	Err     bool      `json:"err"`
}

func partition64(rands *rand.Rand, n int, x float64, consume func(int, float64)) {
	if n <= 0 {
		return
	}
	divs := make([]float64, n-1)
	for idx := range divs {
		divs[idx] = float64(rands.Float64())
	}
	sort.Float64s(divs)
	var last float64
	for idx, div := range divs {
		div32 := float64(div)
		delta := div32 - last
		consume(idx, delta*x)
		last = div32
	}
	consume(n-1, (1-last)*x)
}

func main() {
	n := flag.Int("cases", 600, "how many of TestConcAlloc's 10000 cases to print")
	flag.Parse()
	rands := rand.New(rand.NewSource(1234567890))
	out := []kase{}
	for i := 0; i < 10000; i++ {
		probLen := ([]int{0, 1, 2, 3, 4, 6, 9})[rands.Intn(7)]
		classes := make([]allocProblemItem, probLen)
		var lowSum, highSum float64
		var requiredSum int
		var requiredSumF float64
		style := "empty"
		if probLen > 0 {
			switch rands.Intn(20) {
			case 0:
				style = "bound from below"
				requiredSum = rands.Intn(probLen * 3)
				requiredSumF = float64(requiredSum)
				partition64(rands, probLen, requiredSumF, func(j int, x float64) {
					classes[j].lowerBound = x
					classes[j].target = x + 2*rands.Float64()
					classes[j].upperBound = x + 3*rands.Float64()
				})
			case 1:
				style = "bound from above"
				requiredSum = rands.Intn(probLen*3) + 1
				requiredSumF = float64(requiredSum)
				partition64(rands, probLen, requiredSumF, func(j int, x float64) {
					classes[j].upperBound = x
					classes[j].lowerBound = x * math.Max(0, 1.25*rands.Float64()-1)
					classes[j].target = classes[j].lowerBound + rands.Float64()
				})
			default:
				style = "not-set-by-bounds"
				for j := 0; j < probLen; j++ {
					x := math.Max(0, rands.Float64()*5-1)
					classes[j].lowerBound = x
					classes[j].target = x + 2*rands.Float64()
					classes[j].upperBound = x + 3*rands.Float64()
					lowSum += classes[j].lowerBound
					highSum += classes[j].upperBound
				}
				requiredSumF = math.Round(float64(lowSum + (highSum-lowSum)*rands.Float64()))
				requiredSum = int(requiredSumF)
			}
		}
		for rands.Float64() < 0.25 {
			classes = append(classes, allocProblemItem{target: 0, upperBound: rands.Float64() + 0.00001})
			if probLen > 1 {
				m := rands.Intn(probLen)
				classes[m], classes[probLen] = classes[probLen], classes[m]
			}
			probLen = len(classes)
		}
		allocs, fair, err := computeConcurrencyAllocation(requiredSum, classes)
		k := kase{Sum: requiredSum, Style: style, Err: err != nil, Fair: fair, Allocs: allocs}
		for _, c := range classes {
			k.Classes = append(k.Classes, item{c.target, c.lowerBound, c.upperBound})
		}
		if k.Allocs == nil {
			k.Allocs = []float64{}
		}
		if k.Classes == nil {
			k.Classes = []item{}
		}
		out = append(out, k)
	}
	json.NewEncoder(os.Stdout).Encode(out[:*n])
}
