/** The families of prompt-injection technique a signal belongs to. */
export type InjectionCategory =
  | 'instruction_override'
  | 'output_hijack'
  | 'role_play'
  | 'jailbreak'
  | 'authority_claim'
  | 'prompt_exfiltration'
  | 'delimiter_injection'
  | 'tool_hijack'
  | 'data_exfiltration'
  | 'encoded_payload'
  | 'hidden_text'
  | 'urgency';

/** A pattern over normalised text (lower case, see `normaliseForDetection`) and how much it alone says. */
export interface InjectionSignal {
  readonly id: string;
  readonly category: InjectionCategory;
  /** In (0, 1): the evidence of this signal alone; signals combine as independent evidence. */
  readonly weight: number;
  readonly pattern: RegExp;
}

const VERB_IGNORE =
  '(?:ignore|disregard|forget|skip|override|bypass|abandon|neglect|discard|set aside|throw out|overlook|dismiss|pay no attention to)';
const OLD =
  '(?:previous|prior|above|earlier|preceding|former|original|initial|old|all|any|every|each|your|system|developer|the|these|those|following)';
const RULES =
  '(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|context|programming|constraints|restrictions|messages|conversation|polic(?:y|ies)|training|orders|task|request|assignment)';
const NOT_END = '[^.!?\\n]';
const SECRET_PROMPT =
  '(?:(?:your|the) )?(?:system|initial|original|hidden|secret|developer|pre-?)\\s?(?:prompt|instructions|message)|your (?:prompt|instructions|rules|guidelines|directives|programming)';

/**
 * The catalogue. Written from published taxonomies of injection techniques (instruction override,
 * role-play jailbreaks, prompt leaking, delimiter and markup injection, indirect injection into tool
 * and retrieved content); weights were set on the development split described in docs/eval.
 */
export const INJECTION_SIGNALS: readonly InjectionSignal[] = [
  // Instruction override
  {
    id: 'ignore_previous_instructions',
    category: 'instruction_override',
    weight: 0.75,
    pattern: new RegExp(
      `\\b${VERB_IGNORE}\\b${NOT_END}{0,40}?\\b${OLD}\\b${NOT_END}{0,30}?\\b${RULES}\\b`,
      'g',
    ),
  },
  {
    id: 'forget_everything',
    category: 'instruction_override',
    weight: 0.6,
    pattern:
      /\b(?:forget|ignore|disregard) (?:everything|all (?:of )?(?:that|this|the above)|what (?:you|i) (?:were told|said|learned)|all you (?:know|learned|were told))/g,
  },
  {
    id: 'do_not_follow_rules',
    category: 'instruction_override',
    weight: 0.6,
    pattern:
      /\b(?:do not|don't|dont|never|stop) (?:follow|following|obey|obeying|listen to|adhere to|comply with) (?:your|the|any)(?: \w+){0,2} (?:instructions|rules|guidelines|polic(?:y|ies)|programming)\b/g,
  },
  {
    id: 'ignore_instructions_other_language',
    category: 'instruction_override',
    weight: 0.7,
    pattern:
      /\b(?:ignor\w*|oubli\w*|vergiss\w*|olvid\w*|dimentic\w*|esquec\w*|negeer\w*|vergeet)\b[^.!?\n]{0,40}\b(?:instructions?|consignes|anweisungen|instruktionen|instrucciones|istruzioni|instrucoes|instructies|regles|regeln|reglas|regole|regras)\b/g,
  },
  {
    id: 'instructions_void',
    category: 'instruction_override',
    weight: 0.6,
    pattern:
      /\b(?:previous|prior|old|original|earlier|your) (?:instructions|rules|guidelines|directives) (?:are|were|have been) (?:outdated|void|cancell?ed|revoked|obsolete|replaced|superseded|no longer (?:valid|apply|in effect))\b/g,
  },
  {
    id: 'disable_safety',
    category: 'jailbreak',
    weight: 0.6,
    pattern:
      /\b(?:disable|turn off|switch off|deactivate|remove|lift|suspend)\b (?:your (?:\w+ )?(?:guidelines|filters?|rules)|(?:the |all |any )?(?:safety|content|ethical|moral) (?:guidelines|filters?|rules|polic(?:y|ies))|(?:your |the |all |any )?(?:safety|safeguards|guardrails|content moderation))\b|\b(?:system|admin|developer|safety|security) override\b|\b(?:safety|filters?|restrictions|moderation|censorship) ?[=:] ?(?:off|none|false|0|disabled)\b|\bmode ?[=:] ?(?:unrestricted|jailbreak|god|developer)\b/g,
  },
  {
    id: 'skip_checks',
    category: 'tool_hijack',
    weight: 0.5,
    pattern:
      /\b(?:skip|bypass|ignore|disable|override)\b (?:all |any |the )?(?:permission|security|safety|authori[sz]ation|auth|access|verification|approval) (?:checks?|controls?|rules|steps?)\b/g,
  },
  {
    id: 'never_refuse',
    category: 'jailbreak',
    weight: 0.4,
    pattern:
      /\b(?:never|doesn't|does not|won't|will not|cannot|can't|must not|mustn't) (?:ever )?(?:refuses?|declines?|says? no|rejects? a request)\b|\bwithout (?:any )?(?:refusals?|refusing|declining)\b/g,
  },
  {
    id: 'identity_override',
    category: 'role_play',
    weight: 0.5,
    pattern:
      /\byou are no longer (?:a |an |the )?(?:helpful |harmless )?(?:assistant|ai|chatbot|model|bound|restricted|limited)\b|\byou are (?:now )?(?:called |named )?[a-z]+gpt\b/g,
  },
  {
    id: 'new_instructions',
    category: 'instruction_override',
    weight: 0.45,
    pattern:
      /\b(?:new|updated|real|actual|true|secret) (?:instructions?|rules|task|directives?|orders)\s*(?::|are\b|is\b)/g,
  },
  {
    id: 'from_now_on',
    category: 'instruction_override',
    weight: 0.45,
    pattern: /\bfrom now on,? (?:you|your|u)\b/g,
  },
  {
    id: 'stop_everything',
    category: 'instruction_override',
    weight: 0.45,
    pattern: /\b(?:stop|halt|cease|drop) (?:everything|all that|what you(?:'re| are) doing)\b/g,
  },
  {
    id: 'change_of_mind',
    category: 'instruction_override',
    weight: 0.3,
    pattern: /(?:^|[.!?\s])(?:never ?mind|scratch that)\b/g,
  },
  {
    id: 'instead_say',
    category: 'output_hijack',
    weight: 0.4,
    pattern:
      /\binstead,? (?:just |only )?(?:say|print|output|write|respond|reply|answer|return|recommend|tell|suggest|insert)\b/g,
  },
  // Output hijacking
  {
    id: 'just_say_quoted',
    category: 'output_hijack',
    weight: 0.45,
    pattern:
      /\b(?:just|only|simply) (?:say|print|output|write|type|respond with|reply with|answer with|return)\b\s*["':]/g,
  },
  {
    id: 'say_verbatim',
    category: 'output_hijack',
    weight: 0.3,
    pattern:
      /\b(?:say|print|output|repeat|write|respond with) (?:exactly|verbatim|word for word|only the)\b|\b(?:reply|respond|answer) (?:only )?with (?:the (?:words?|phrase|sentence|text)|exactly)\b|\bword for word\b/g,
  },
  // Role play and jailbreak personas
  {
    id: 'jailbreak_terms',
    category: 'jailbreak',
    weight: 0.6,
    pattern:
      /\b(?:do anything now|developer mode|dev mode enabled|god mode|jailbreak(?:ed|ing|s)?|jailbroken|(?:dan|stan|dude|evil) mode|strive to avoid norms|anti-?dan|(?:unfiltered|uncensored|unrestricted) (?:mode|responses?|ai|version|model|assistant|chatbot))\b/g,
  },
  {
    id: 'persona_name',
    category: 'jailbreak',
    weight: 0.45,
    pattern:
      /\b(?:you are|act as|acting as|act (?:just )?like|pretend to be|known as|named|called|simulate|play) (?:a |an |the )?(?:dan|stan|dude|aim|betterdan|mongo tom|evilbot)\b/g,
  },
  {
    id: 'act_as',
    category: 'role_play',
    weight: 0.35,
    pattern:
      /\b(?:you (?:are|will be|shall be|must be|should be|will have to) (?:now )?(?:going to |about to )?|i want you to |from now on,? (?:you )?)(?:act|pretend|roleplay|role-play|behave|respond|answer|simulate|immerse)\b/g,
  },
  {
    id: 'persona_setup',
    category: 'role_play',
    weight: 0.4,
    pattern:
      /\b(?:immerse yourself|play the role|take on the role|assume the (?:role|persona|identity)|stay in character|remain in character|break(?:ing)? character|role of another (?:ai|model|assistant))\b/g,
  },
  {
    id: 'free_of_rules',
    category: 'jailbreak',
    weight: 0.55,
    pattern:
      /\b(?:broken free|break free|freed from|free (?:of|from) (?:the )?(?:typical )?confines|(?:do not|don't|does not|doesn't) (?:have to|need to) (?:abide|follow|comply)|not (?:bound|restricted|limited) by (?:any|the|openai|rules|polic)|no longer (?:bound|restricted|limited)|ignore (?:all )?(?:ethical|moral|safety)|bypass (?:the |any |a |an )?(?:content |safety )?(?:policy|policies|filters?|guidelines|restrictions|censorship))/g,
  },
  {
    id: 'no_restrictions',
    category: 'jailbreak',
    weight: 0.25,
    pattern:
      /\b(?:without (?:any )?(?:restrictions|limitations|censorship|filters|filtering|ethical|moral|safety (?:guidelines|filters|rules|measures)|guardrails)|(?:no|zero) (?:restrictions|limitations|filters|censorship|ethical (?:guidelines|constraints)|morals|moral (?:constraints|compass)|guardrails))\b/g,
  },
  {
    id: 'dual_response',
    category: 'jailbreak',
    weight: 0.45,
    pattern:
      /\b(?:two (?:(?:different|separate|distinct) ){1,2}(?:ways|responses|answers|paragraphs)|(?:generate|give|provide) two responses|one normal and one)\b|\[(?:gpt|dan|classic|jailbreak|normal|developer mode)\s*(?:output)?\]/g,
  },
  {
    id: 'policy_talk',
    category: 'jailbreak',
    weight: 0.25,
    pattern:
      /\b(?:content polic(?:y|ies)|openai(?:'s)? (?:polic(?:y|ies)|guidelines|rules)|usage polic(?:y|ies)|safety guidelines|ethical guidelines)\b/g,
  },
  {
    id: 'ai_self_reference',
    category: 'role_play',
    weight: 0.15,
    pattern: /\b(?:as an ai(?: language model)?|chatgpt|large language model|ai model)\b/g,
  },
  // Authority claims
  {
    id: 'authority_claim',
    category: 'authority_claim',
    weight: 0.45,
    pattern:
      /\b(?:(?:i am|i'm|this is) (?:your|the|an?) (?:developer|creator|administrator|admin|owner|system administrator|openai|anthropic)|(?:message|update|notice|instructions?) from (?:openai|anthropic|the (?:developers?|system|admin(?:istrator)?))|(?:openai|anthropic|your (?:developers|creators)) (?:has|have) (?:brought|given|updated|enabled|unlocked|authori[sz]ed))/g,
  },
  {
    id: 'knowledge_cutoff',
    category: 'authority_claim',
    weight: 0.3,
    pattern:
      /\b(?:your knowledge is cut off|knowledge cutoff|you are (?:still )?in 20\d\d|we are (?:currently )?(?:living )?in 20\d\d)/g,
  },
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
