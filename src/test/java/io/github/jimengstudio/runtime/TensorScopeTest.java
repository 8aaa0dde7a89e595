package io.github.jimengstudio.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TensorScopeTest {

    @Test
    void closesEveryTemporaryAndHandsTheKeptResultOutward() {
        Tensor kept;
        Tensor temp;
        try (TensorScope outer = TensorScope.open()) {
            try (TensorScope inner = TensorScope.open()) {
                Tensor a = Tensor.ones(4);
                temp = a.mul(3f);
                kept = inner.keep(temp.add(a));
                assertEquals(2, inner.size());
            }
            assertTrue(temp.isClosed());
            assertFalse(kept.isClosed());
            assertEquals(1, outer.size(), "the kept result now belongs to the enclosing scope");
            assertEquals(4f, kept.toFloatArray()[0]);
        }
        assertTrue(kept.isClosed());
    }

    @Test
    void keepInTheOutermostScopeLeavesTheResultToTheCaller() {
        Tensor result;
        try (TensorScope s = TensorScope.open()) {
            result = s.keep(Tensor.zeros(2));
        }
        assertFalse(result.isClosed());
        result.close();
        assertTrue(result.isClosed());
        result.close(); // idempotent
    }

    @Test
    void detachedScopeOwnsOnlyWhatItAdopts() {
        TensorScope weights = TensorScope.detached();
        Tensor w;
        try (TensorScope step = TensorScope.open()) {
            w = weights.adopt(Tensor.ones(3));
            Tensor.zeros(3);
            assertEquals(1, step.size());
        }
        assertFalse(w.isClosed(), "weights outlive the step");
        weights.close();
        assertTrue(w.isClosed());
    }

    @Test
    void closingAnOuterScopeAlsoClosesAForgottenInnerOne() {
        TensorScope outer = TensorScope.open();
        TensorScope.open(); // never closed by its creator
        Tensor t = Tensor.ones(1);
        outer.close();
        assertTrue(t.isClosed());
        assertEquals(null, TensorScope.current());
    }

    @Test
    @SuppressWarnings("try") // the scope is used for what it closes, not referenced
    void usingAClosedTensorIsAClearError() {
        Tensor t = Tensor.ones(2);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.add(t));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        try (TensorScope outer = TensorScope.open()) {
            Tensor notMine = Tensor.ones(1);
            try (TensorScope inner = TensorScope.open()) {
                IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> inner.keep(notMine));
                assertTrue(k.getMessage().contains("does not belong"), k.getMessage());
            }
        }
    }

    @Test
    void keepsAListOfResults() {
        try (TensorScope outer = TensorScope.open()) {
            List<Tensor> parts;
            try (TensorScope s = TensorScope.open()) {
                parts = s.keep(Tensor.ones(4).chunk(2, 0));
            }
            assertEquals(2, outer.size());
            assertEquals(1f, parts.get(1).toFloatArray()[0]);
        }
    }
}
