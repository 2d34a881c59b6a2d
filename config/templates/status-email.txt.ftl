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
<#if body.samples?has_content>

Pictures made with your model (attached):
<#list body.samples as sample>
- ${sample.file}: ${sample.prompt} (seed ${sample.seed})
</#list>
</#if>
<#if body.samplesProblem?has_content>

About the sample pictures: ${body.samplesProblem}
</#if>
<#if body.generateMore?has_content>

To generate more with model ${body.modelId}: ${body.generateMore}
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
