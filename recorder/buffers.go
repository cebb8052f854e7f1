package recorder

// buffers is a bounded free list of the byte slices a record passes
// through on its way to disk (its canonical template and its envelope).
// Every record needs two; recycling them after the commit keeps the
// allocation rate, and with it the garbage collector's share of the CPU,
// independent of the call rate. A channel rather than a sync.Pool, so that
// putting a slice back does not allocate.
type buffers struct{ free chan []byte }

const (
	// freeBuffers is how many slices the free list keeps: enough for the
	// records of a few full batches.
	freeBuffers = 4 * maxBatch
	// maxFreeBuffer is the largest slice kept; records with bodies near
	// the capture cap get fresh slices.
	maxFreeBuffer = 64 << 10
	// minBuffer is the smallest slice handed out.
	minBuffer = 4 << 10
)

func newBuffers() *buffers { return &buffers{free: make(chan []byte, freeBuffers)} }

// get returns an empty slice with room for at least n bytes.
func (b *buffers) get(n int) []byte {
	select {
	case buf := <-b.free:
		if cap(buf) >= n {
			return buf[:0]
		}
		b.put(buf)
	default:
	}
	return make([]byte, 0, max(n, minBuffer))
}

// put hands buf back; nothing may use it afterwards.
func (b *buffers) put(buf []byte) {
	if cap(buf) > maxFreeBuffer || cap(buf) < minBuffer {
		return
	}
	select {
	case b.free <- buf:
	default:
	}
}
