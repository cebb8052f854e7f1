package recorder

import "testing"

func TestBuffersRecycle(t *testing.T) {
	b := newBuffers()
	small := b.get(10)
	if len(small) != 0 || cap(small) < minBuffer {
		t.Fatalf("get(10): len %d cap %d, want empty with room for %d", len(small), cap(small), minBuffer)
	}
	small = append(small, "template"...)
	b.put(small)
	again := b.get(100)
	if len(again) != 0 || &again[:1][0] != &small[:1][0] {
		t.Error("a returned buffer was not handed out again, emptied")
	}
	big := b.get(maxFreeBuffer + 1)
	if cap(big) <= maxFreeBuffer {
		t.Fatalf("get(%d): cap %d", maxFreeBuffer+1, cap(big))
	}
	b.put(big)
	if n := len(b.free); n != 0 {
		t.Errorf("a buffer over %d bytes was kept (%d in the free list)", maxFreeBuffer, n)
	}
	b.put(again)
	if got := b.get(minBuffer * 2); cap(got) < minBuffer*2 {
		t.Errorf("get(%d) returned cap %d", minBuffer*2, cap(got))
	}
}
