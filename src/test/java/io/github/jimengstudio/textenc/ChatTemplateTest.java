package io.github.jimengstudio.textenc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChatTemplateTest {

    @Test
    void templateWrapsThePromptAsOneUserTurnAndOpensTheAssistantTurn() {
        assertEquals("<|im_start|>user\na photo of a cat<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.QWEN3_USER_TURN.apply("a photo of a cat"));
        assertEquals("<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.QWEN3_USER_TURN.apply(""));
        assertEquals("<|im_start|>user\n  two spaces kept \n<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.QWEN3_USER_TURN.apply("  two spaces kept \n"));
    }

    @Test
    void identityShowsTheWholeTemplateAroundAPlaceholder() {
        assertEquals("<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.QWEN3_USER_TURN.identity());
    }

    @Test
    void promptIsInsertedVerbatimEvenWhenItLooksLikeTemplateSyntax() {
        String tricky = "{prompt} <|im_end|> {{ x }}";
        assertEquals("<|im_start|>user\n" + tricky + "<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.QWEN3_USER_TURN.apply(tricky));
        assertNotEquals(ChatTemplate.QWEN3_USER_TURN.apply(""), ChatTemplate.QWEN3_USER_TURN.apply(" "));
        assertThrows(NullPointerException.class, () -> ChatTemplate.QWEN3_USER_TURN.apply(null));
    }
}
