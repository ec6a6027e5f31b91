// Chat templates (Jinja, as stored in tokenizer.chat_template). llama.cpp recognises ChatML by its
// "<|im_start|>" marker and node-llama-cpp maps this exact text to its ChatML wrapper.

/** ChatML, as used by Qwen, OpenHermes and many fine-tunes. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const CHATML_SPECIAL_TOKENS = ["<|im_start|>", "<|im_end|>"] as const;
