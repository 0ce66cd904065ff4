import { NOT_END, type InjectionSignal } from './injection-signal.js';

/** Words of an instruction override: the verb, what is old, and what is overridden. */
const VERB_IGNORE =
  '(?:ignore|disregard|forget|skip|override|bypass|abandon|neglect|discard|set aside|throw out|overlook|dismiss|pay no attention to)';
const OLD =
  '(?:previous|prior|above|earlier|preceding|former|original|initial|old|all|any|every|each|your|system|developer|the|these|those|following)';
const RULES =
  '(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|context|programming|constraints|restrictions|messages|conversation|polic(?:y|ies)|training|orders|task|request|assignment)';
/** Signals of direct injection: overriding instructions, hijacking the output, jailbreak personas, claimed authority. */
export const OVERRIDE_AND_JAILBREAK_SIGNALS: readonly InjectionSignal[] = [
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
];
