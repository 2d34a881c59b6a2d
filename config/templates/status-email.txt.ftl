<#-- Plain-text part of a status email. Variables: see "Email" in the README. -->
Set: ${body.set}
Status: ${body.statusText} (${body.status})
<#if (body.step > 0)>Progress: step ${body.step} of ${body.steps}
</#if>
<#if body.reason?has_content>
Reason: ${body.reason}
</#if>
<#if body.photoWarnings?has_content>

About the photos:
<#list body.photoWarnings as warning>
- ${warning}
</#list>
</#if>
<#if body.advice?has_content>

What now: ${body.advice}
</#if>

Training id: ${body.trainingId}<#if body.trainingId?has_content> (also the model id)</#if>
Job id: ${body.jobId}
Received: ${body.created}
Updated: ${body.updated}
Results: ${body.results}

-- 
DreamDrop
