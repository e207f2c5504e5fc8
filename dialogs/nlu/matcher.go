package nlu

// matcher is a trie of compiled patterns over token ids. A "*" slot is an
// edge of its own, followed by skipping 0 to maxGap tokens.
type matcher struct {
	nodes []tnode
	edges map[uint64]int32 // node<<32 | token id → child node
	root  []int32          // token id → child of the root (dense, 0 = none)
	n     int32            // patterns added, for stable tie-breaking
}

type tnode struct {
	rule  *rule // a pattern ends here (the first one added wins)
	order int32
	gap   int32 // child after a "*", 0 = none
}

func (m *matcher) child(node int32, id int32) int32 {
	if node == 0 {
		if int(id) < len(m.root) && id >= 0 {
			return m.root[id]
		}
		return 0
	}
	return m.edges[uint64(node)<<32|uint64(uint32(id))]
}

func (m *matcher) add(ids []int32, ru *rule) {
	if m.nodes == nil {
		m.nodes = []tnode{{}}
		m.edges = map[uint64]int32{}
	}
	node := int32(0)
	for _, id := range ids {
		var next int32
		if id == gapID {
			next = m.nodes[node].gap
		} else {
			next = m.child(node, id)
		}
		if next == 0 {
			next = int32(len(m.nodes))
			m.nodes = append(m.nodes, tnode{})
			switch {
			case id == gapID:
				m.nodes[node].gap = next
			case node == 0:
				for int(id) >= len(m.root) {
					m.root = append(m.root, 0)
				}
				m.root[id] = next
			default:
				m.edges[uint64(node)<<32|uint64(uint32(id))] = next
			}
		}
		node = next
	}
	if m.nodes[node].rule == nil {
		m.nodes[node].rule, m.nodes[node].order = ru, m.n
	}
	m.n++
}

// tok is a token after abbreviation expansion and typo correction.
type tok struct {
	id   int32
	sp   int32 // index of its span
	brk  bool
	kind uint8
}

// match is one phrase found in a message.
type match struct {
	start, end int
	rule       *rule
	order      int32
}

// longest returns the longest phrase at i (ties: the first added).
func (m *matcher) longest(toks []tok, i int) (match, bool) {
	best := match{start: i, end: -1}
	if next := m.child(0, toks[i].id); next != 0 {
		m.walk(toks, next, i+1, &best)
	}
	return best, best.end > i
}

func (m *matcher) walk(toks []tok, node int32, j int, best *match) {
	nd := &m.nodes[node]
	if nd.rule != nil && (j > best.end || j == best.end && nd.order < best.order) {
		best.end, best.rule, best.order = j, nd.rule, nd.order
	}
	if j < len(toks) {
		if next := m.child(node, toks[j].id); next != 0 {
			m.walk(toks, next, j+1, best)
		}
	}
	if nd.gap != 0 {
		for skip := 0; skip <= maxGap && j+skip < len(toks); skip++ {
			if skip > 0 && toks[j+skip].brk {
				break
			}
			if next := m.child(nd.gap, toks[j+skip].id); next != 0 {
				m.walk(toks, next, j+skip+1, best)
			}
		}
	}
}

// scan calls fn for each longest, non-overlapping match, left to right.
func (m *matcher) scan(toks []tok, fn func(match)) {
	for i := 0; i < len(toks); {
		if mt, ok := m.longest(toks, i); ok {
			fn(mt)
			i = mt.end
			continue
		}
		i++
	}
}

// negatedAfter reports a negator closing the clause right after a phrase:
// Brazilian "paguei não", "tenho não".
func (c *compiledLang) negatedAfter(toks []tok, end int) bool {
	return end < len(toks) && c.is(toks[end].id, wNeg) && !toks[end].brk && (end+1 == len(toks) || toks[end+1].brk)
}

// negated reports whether a negator of the language stands in the three
// tokens before i, inside the same clause.
func (c *compiledLang) negated(toks []tok, i int) bool {
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if toks[k+1].brk {
			break
		}
		if c.is(toks[k].id, wNeg) {
			return true
		}
	}
	return false
}
