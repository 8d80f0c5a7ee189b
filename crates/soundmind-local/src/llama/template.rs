//! Chat templates: the model's own (from the GGUF's `tokenizer.chat_template`, applied by llama.cpp), or ChatML
//! when the model has none or llama.cpp does not recognise it.

use std::ffi::{CStr, CString, c_char};

use soundmind_engine::{ChatMessage, EngineError, Role};

use crate::sys::llama as ffi;

/// How a conversation becomes prompt text.
#[derive(Debug)]
pub(crate) enum ChatTemplate {
    /// The template stored in the model, which llama.cpp knows how to apply.
    Model(CString),
    /// `<|im_start|>role\n…<|im_end|>` for models without a usable template.
    ChatMl,
}

impl ChatTemplate {
    /// The model's template if llama.cpp can apply it, else ChatML.
    ///
    /// # Safety
    /// `model` must be a live llama.cpp model.
    pub(crate) unsafe fn for_model(model: *const ffi::llama_model) -> Self {
        // SAFETY: the caller guarantees `model` is live; a null name asks for the default template. The returned
        // string is owned by the model, so it is copied at once.
        let raw = unsafe { ffi::llama_model_chat_template(model, std::ptr::null()) };
        if raw.is_null() {
            return ChatTemplate::ChatMl;
        }
        // SAFETY: non-null, NUL-terminated, alive as long as the model.
        let template = ChatTemplate::Model(unsafe { CStr::from_ptr(raw) }.to_owned());
        // llama.cpp recognises templates by their markers; a Jinja template it does not know fails to apply.
        let probe = [
            ChatMessage::new(Role::System, "s"),
            ChatMessage::new(Role::User, "u"),
        ];
        if template.render(&probe).is_ok() {
            template
        } else {
            ChatTemplate::ChatMl
        }
    }

    /// A short name for diagnostics.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            ChatTemplate::Model(_) => "the model's own chat template",
            ChatTemplate::ChatMl => "ChatML (the model has no usable template)",
        }
    }

    /// The prompt for `messages`, ending where the assistant's answer begins.
    pub(crate) fn render(&self, messages: &[ChatMessage]) -> Result<String, EngineError> {
        match self {
            ChatTemplate::ChatMl => Ok(chatml(messages)),
            ChatTemplate::Model(template) => apply(template, messages),
        }
    }
}

fn role(role: Role) -> &'static CStr {
    match role {
        Role::System => c"system",
        Role::User => c"user",
        Role::Assistant => c"assistant",
    }
}

fn apply(template: &CStr, messages: &[ChatMessage]) -> Result<String, EngineError> {
    let contents: Vec<CString> = messages
        .iter()
        .map(|m| CString::new(m.content.replace('\0', " ")).expect("NULs removed"))
        .collect();
    let chat: Vec<ffi::llama_chat_message> = messages
        .iter()
        .zip(&contents)
        .map(|(m, content)| ffi::llama_chat_message {
            role: role(m.role).as_ptr(),
            content: content.as_ptr(),
        })
        .collect();
    let total: usize = contents.iter().map(|c| c.as_bytes().len()).sum();
    let mut buf = vec![0u8; total * 2 + 256];
    for _ in 0..2 {
        let len = i32::try_from(buf.len()).map_err(|_| EngineError::ContextTooLong {
            needed: buf.len(),
            limit: i32::MAX as usize,
        })?;
        // SAFETY: `template` and every role/content pointer in `chat` are NUL-terminated strings that outlive the
        // call; `buf` is writable for `len` bytes. The function returns the full length, which may exceed `len`.
        let n = unsafe {
            ffi::llama_chat_apply_template(
                template.as_ptr(),
                chat.as_ptr(),
                chat.len(),
                true,
                buf.as_mut_ptr().cast::<c_char>(),
                len,
            )
        };
        if n < 0 {
            return Err(EngineError::Internal(
                "llama.cpp does not know this chat template".into(),
            ));
        }
        let n = n as usize;
        if n <= buf.len() {
            buf.truncate(n);
            return String::from_utf8(buf)
                .map_err(|_| EngineError::Internal("the chat template produced invalid UTF-8".into()));
        }
        buf.resize(n, 0);
    }
    Err(EngineError::Internal(
        "the chat template output kept growing".into(),
    ))
}

fn chatml(messages: &[ChatMessage]) -> String {
    let mut out = String::new();
    for m in messages {
        let role = role(m.role).to_str().expect("ASCII role");
        out.push_str(&format!("<|im_start|>{role}\n{}<|im_end|>\n", m.content));
    }
    out.push_str("<|im_start|>assistant\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_fallback_and_a_known_template_render_the_same_shape() {
        let messages = [
            ChatMessage::new(Role::System, "Be brief."),
            ChatMessage::new(Role::User, "Hello"),
        ];
        let ours = ChatTemplate::ChatMl.render(&messages).unwrap();
        assert_eq!(
            ours,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"
        );
        // llama.cpp applies a ChatML template it recognises to the same text.
        let model = ChatTemplate::Model(c"{% for message in messages %}<|im_start|>...".to_owned());
        assert_eq!(model.render(&messages).unwrap(), ours);
        let unknown = ChatTemplate::Model(c"{{ something nobody knows }}".to_owned());
        assert!(unknown.render(&messages).is_err());
    }
}
