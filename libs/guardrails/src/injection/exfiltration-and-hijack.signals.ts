import { NOT_END, type InjectionSignal } from './injection-signal.js';

/** What a prompt-leaking request asks for. */
const SECRET_PROMPT =
  '(?:(?:your|the) )?(?:system|initial|original|hidden|secret|developer|pre-?)\\s?(?:prompt|instructions|message)|your (?:prompt|instructions|rules|guidelines|directives|programming)';

/**
 * Signals of leaking and hijacking: prompt exfiltration, delimiter and markup injection, instructions
 * to tools and to models reading retrieved content, encoded payloads.
 */
export const EXFILTRATION_AND_HIJACK_SIGNALS: readonly InjectionSignal[] = [
  // Prompt exfiltration
  {
    id: 'reveal_system_prompt',
    category: 'prompt_exfiltration',
    weight: 0.6,
    pattern: new RegExp(
      `\\b(?:reveal|show|print|repeat|output|display|leak|disclose|tell me|give me|what (?:is|are|was|were)|share|expose|dump|spell out|recite|write out|copy)\\b${NOT_END}{0,20}?\\b(?:${SECRET_PROMPT})\\b`,
      'g',
    ),
  },
  {
    id: 'reveal_confidential',
    category: 'prompt_exfiltration',
    weight: 0.5,
    pattern:
      /\b(?:reveal|disclose|leak|share|output|print|dump|list)\b[^.!?\n]{0,30}\b(?:confidential|sensitive|private|secret|internal)\b[^.!?\n]{0,15}\b(?:data|information|details|contents?|files?)\b|\bcontents? of (?:your|the) (?:context(?: window)?|memory|prompt|conversation|instructions)\b|\b(?:reveal|disclose|leak|output|print|dump|list)\b (?:all |any |the |your )?(?:api keys|credentials|passwords|access tokens|secrets)\b/g,
  },
  {
    id: 'repeat_text_above',
    category: 'prompt_exfiltration',
    weight: 0.55,
    pattern:
      /\b(?:repeat|print|output|copy|recite|write out|echo)\b[^.!?\n]{0,20}\b(?:the )?(?:words|text|everything|all|content|lines?) (?:above|before this|preceding|so far)\b|\bwhat (?:was|were) (?:written|said|you told) (?:above|before|at the (?:beginning|start))/g,
  },
  // Delimiter and markup injection
  {
    id: 'chat_template_tokens',
    category: 'delimiter_injection',
    weight: 0.6,
    pattern:
      /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|>|\[\/?inst\]|<<\/?sys>>|<\/?(?:system|assistant|instructions?)>|(?:###|\[|\{)\s?(?:system|assistant)\s?(?:\]|\}|:)/g,
  },
  {
    id: 'role_line',
    category: 'delimiter_injection',
    weight: 0.35,
    pattern: /(?:^|\n)\s*(?:system|assistant|developer)\s*:\s*\S/g,
  },
  {
    id: 'fake_boundary',
    category: 'delimiter_injection',
    weight: 0.5,
    pattern:
      /\b(?:end of (?:the )?(?:user |system )?(?:input|prompt|instructions|context)|(?:begin|start) (?:of )?(?:new|the real|actual) (?:instructions|prompt|task))\b|-{3,}\s*(?:end|begin|new) (?:of )?(?:prompt|instructions|system)/g,
  },
  {
    id: 'markdown_image',
    category: 'data_exfiltration',
    weight: 0.35,
    pattern: /!\[[^\]\n]*\]\([^)\n]*\)/g,
  },
  {
    id: 'markdown_image_with_data',
    category: 'data_exfiltration',
    weight: 0.6,
    pattern: /!\[[^\]\n]*\]\(\s*https?:\/\/[^)\s]*[?&][^)\s]*=/g,
  },
  // Tool and agent hijacking
  {
    id: 'send_data_out',
    category: 'data_exfiltration',
    weight: 0.6,
    pattern:
      /\b(?:send|forward|email|upload|post|transmit|exfiltrate|leak)\b[^.!?\n]{0,40}\b(?:conversation|chat history|messages|history|credentials|passwords?|api keys?|secrets?|tokens?|emails?|personal (?:data|information)|user data)\b[^.!?\n]{0,40}\b(?:to|at|into)\b[^.!?\n]{0,12}(?:https?:\/\/|www\.|[\w.-]+@[\w-]+\.|the (?:following )?(?:address|url|server|endpoint|webhook))/g,
  },
  {
    id: 'invoke_tool',
    category: 'tool_hijack',
    weight: 0.3,
    pattern:
      /\b(?:call|invoke|run|execute|trigger) (?:the |this |that |a )?(?:\w+ )?(?:tool|function call|plugin|api call)\b/g,
  },
  {
    id: 'shell_command',
    category: 'tool_hijack',
    weight: 0.5,
    pattern: /\b(?:curl|wget)\s+(?:-\w+\s+)*https?:\/\/|\brm -rf\b|\b(?:powershell|bash|sh) -c\b|\bnc -e\b/g,
  },
  {
    id: 'addresses_the_model',
    category: 'tool_hijack',
    weight: 0.3,
    pattern:
      /\b(?:ai|assistant|chatbot|llm|gpt|claude|language model)s?\b[^.!?\n]{0,20}\b(?:must|should now|will now|are instructed to|reading this|processing this)\b/g,
  },
  {
    id: 'instructions_for_summariser',
    category: 'tool_hijack',
    weight: 0.45,
    pattern:
      /\bwhen (?:you )?(?:summari[sz]ing|summari[sz]e|reading|read|see|processing|process|answering questions about|asked about) (?:this|the) (?:page|document|text|email|message|article|content|website|file|review|comment|post|note|ticket)\b/g,
  },
  {
    id: 'addresses_every_reader_model',
    category: 'tool_hijack',
    weight: 0.5,
    pattern:
      /\b(?:any|all|every|each) (?:ai|assistant|llm|language model|chatbot|agent|model)s? (?:reading|processing|summari[sz]ing|that reads|that processes|who reads) (?:this|it)\b/g,
  },
  {
    id: 'plant_text_in_output',
    category: 'output_hijack',
    weight: 0.4,
    pattern:
      /\b(?:add|append|insert|include|put)\b (?:the |this |a |an )?(?:following )?(?:sentence|phrase|text|line|words?|link|url|message)\b[^.!?\n]{0,60}\b(?:your|the) (?:summary|answer|response|reply|output)\b/g,
  },
  {
    id: 'steer_the_user',
    category: 'tool_hijack',
    weight: 0.4,
    pattern:
      /\b(?:tell|ask|urge|convince|persuade) the user to (?:visit|click|go to|open|call|download|install|enter|provide|share|send)\b|\binclude (?:this|the following) (?:link|url|text) in (?:your|the) (?:answer|response|reply|summary|output)\b|\bask the user for (?:their|his|her) (?:password|credit card|card number|credentials|login|bank)/g,
  },
  {
    id: 'greets_the_model',
    category: 'tool_hijack',
    weight: 0.3,
    pattern:
      /(?:^|[.!?\n]\s*|<!--\s*)(?:(?:hi|hello|hey|dear|attention|note (?:to|for)|message (?:to|for)),? )?(?:the |all |any )?(?:bing|chatgpt|gpt|copilot|claude|gemini|assistant|ai|llm|chatbot|language model)s? ?[,:]|\b(?:hi|hello|hey|dear) (?:bing|chatgpt|copilot|claude|gemini|assistant|ai)\b/g,
  },
  {
    id: 'hypothetical_unrestricted',
    category: 'jailbreak',
    weight: 0.35,
    pattern:
      /\bwhat would (?:an? )?(?:ai|model|assistant|chatbot|llm)\b[^.?!\n]{0,50}\b(?:say|answer|respond|reply|do)\b|\b(?:hypothetically|in a fictional world|for a novel)\b[^.?!\n]{0,40}\b(?:no|without) (?:rules|restrictions|limits|guidelines)/g,
  },
  {
    id: 'hide_from_user',
    category: 'tool_hijack',
    weight: 0.45,
    pattern:
      /\b(?:do not|don't|never) (?:tell|inform|mention|reveal|show|alert) (?:this |it |that )?(?:to )?(?:the )?(?:user|human|anyone)\b|\b(?:secretly|without (?:telling|informing|notifying) the user)\b/g,
  },
  {
    id: 'decode_and_follow',
    category: 'encoded_payload',
    weight: 0.45,
    pattern:
      /\b(?:decode|decrypt|translate|convert)\b[^.!?\n]{0,30}\b(?:base64|rot-?13|hex|binary|morse|cipher)\b[^.!?\n]{0,40}\b(?:follow|execute|obey|do|run|perform|act on)\b/g,
  },
  { id: 'shouting', category: 'urgency', weight: 0.2, pattern: /!{3,}|\b(?:now|immediately|urgent)!+/g },
];
